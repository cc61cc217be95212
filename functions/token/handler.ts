import { readFileSync } from 'node:fs';
import { handle } from 'hono/aws-lambda';
import { secretsManagerKeys } from '../../shared/auth/secrets-manager-keys';
import { createDeps } from '../../shared/deps';
import { atServer } from '../../shared/http/docs';
import { createApp } from './app';

const deps = createDeps(undefined, { secretKeys: secretsManagerKeys });

/** The OpenAPI document written beside this bundle at build time, at this deployment's URL. */
const openApiDocument = () =>
  atServer(
    JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')),
    deps.config.TOKEN_ISSUER,
  );

export const handler = handle(createApp(deps, openApiDocument));
