import { readFileSync } from 'node:fs';
import { handle } from 'hono/aws-lambda';
import { secretsManagerKeys } from '../../shared/auth/secrets-manager-keys';
import { createDeps } from '../../shared/deps';
import { createApp } from './app';

const deps = createDeps(undefined, { secretKeys: secretsManagerKeys });

/** The OpenAPI document written beside this bundle at build time, with this deployment's server URL. */
const openApiDocument = () => ({
  ...JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')),
  servers: [{ url: deps.config.TOKEN_ISSUER }],
});

export const handler = handle(createApp(deps, openApiDocument));
