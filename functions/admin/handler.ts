import { handle } from 'hono/aws-lambda';
import { secretsManagerKeys } from '../../shared/auth/secrets-manager-keys';
import { createDeps } from '../../shared/deps';
import { createApp } from './app';

export const handler = handle(createApp(createDeps(undefined, { secretKeys: secretsManagerKeys })));
