import { handle } from 'hono/aws-lambda';
import { createDeps } from '../../shared/deps';
import { createApp } from './app';

export const handler = handle(createApp(createDeps()));
