import { createRoute, z } from '@hono/zod-openapi';
import type { GatewayDeps } from '../../shared/deps';
import { newRouter, type Router } from '../../shared/http/app';
import { SCOPES } from '../../shared/identity/model';

const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS', {
  description: 'The public keys that verify access tokens and signed statements, by kid.',
});

export const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['OAuth'],
  summary: "The gateway's public signing keys (current and previous)",
  responses: { 200: { description: 'JWK Set', content: { 'application/json': { schema: JwksSchema } } } },
});

const MetadataSchema = z.record(z.string(), z.unknown()).openapi('AuthorizationServerMetadata');

export const metadataRoute = createRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  tags: ['OAuth'],
  summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
  responses: {
    200: { description: 'Metadata', content: { 'application/json': { schema: MetadataSchema } } },
  },
});

export function discoveryRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const issuer = deps.config.TOKEN_ISSUER;
  const metadata = {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: ['token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'],
    scopes_supported: [...SCOPES],
    service_documentation: `${issuer}/docs`,
  };
  router.openapi(metadataRoute, (c) => c.json(metadata, 200, { 'Cache-Control': 'public, max-age=3600' }));
  router.openapi(jwksRoute, async (c) =>
    c.json(await deps.keys.jwks(), 200, { 'Cache-Control': 'public, max-age=300' }),
  );
  return router;
}
