import { createRoute, z } from '@hono/zod-openapi';
import type { GatewayDeps } from '../../shared/deps';
import { newRouter, type Router } from '../../shared/http/app';
import { assertionAlgorithms, SCOPES } from '../../shared/identity/model';

const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS', {
  description: 'The public keys that verify access tokens and signed statements, by kid.',
});

export const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  tags: ['OAuth'],
  security: [],
  summary: "The gateway's public signing keys (current and previous)",
  responses: { 200: { description: 'JWK Set', content: { 'application/json': { schema: JwksSchema } } } },
});

const MetadataSchema = z.record(z.string(), z.unknown()).openapi('AuthorizationServerMetadata');

export const metadataRoute = createRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  operationId: 'getAuthorizationServerMetadata',
  tags: ['OAuth'],
  security: [],
  summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
  responses: {
    200: { description: 'Metadata', content: { 'application/json': { schema: MetadataSchema } } },
  },
});

/** The algorithms a client assertion may be signed with: those of every key type a client may register. */
export const ASSERTION_ALGORITHMS = [
  { kty: 'EC', crv: 'P-256' },
  { kty: 'EC', crv: 'P-384' },
  { kty: 'OKP', crv: 'Ed25519' },
  { kty: 'RSA' },
].flatMap(assertionAlgorithms);

export function discoveryRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const issuer = deps.config.TOKEN_ISSUER;
  // Only what the server does. No response_types_supported: with no authorization endpoint there is no response
  // type, and RFC 8414 section 3.2 forbids an empty array (its section 2 calls the member REQUIRED; erratum 7793
  // makes it REQUIRED only where a grant uses the authorization endpoint, like authorization_endpoint).
  const metadata = {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    scopes_supported: [...SCOPES],
    service_documentation: `${issuer}/docs`,
  };
  router.openapi(metadataRoute, (c) => c.json(metadata, 200, { 'Cache-Control': 'public, max-age=3600' }));
  router.openapi(jwksRoute, async (c) =>
    c.json(await deps.keys.jwks(), 200, { 'Cache-Control': 'public, max-age=300' }),
  );
  return router;
}
