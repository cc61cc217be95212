import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { basicChallenge } from '../../shared/auth/challenge';
import {
  type AuthenticatedClient,
  authenticateClient,
  type ClientAuthInput,
  JWT_BEARER_ASSERTION,
} from '../../shared/auth/client-auth';
import { compactEntitlements } from '../../shared/auth/tokens';
import type { GatewayDeps } from '../../shared/deps';
import { OAuthError } from '../../shared/errors';
import { type AppEnv, newRouter, type Router } from '../../shared/http/app';
import { problemResponses } from '../../shared/http/openapi';
import {
  AGENCY_SCOPES,
  mayHoldScope,
  OPERATIONS,
  type Operation,
  PLATFORM_SCOPES,
} from '../../shared/identity/model';
import { defaultLimits, limitsOf } from '../../shared/identity/plans';
import { DEFAULT_LANES } from '../../shared/ledger/lanes';

const OAuthErrorSchema = z
  .object({
    error: z.enum([
      'invalid_request',
      'invalid_client',
      'invalid_grant',
      'unauthorized_client',
      'unsupported_grant_type',
      'invalid_scope',
    ]),
    error_description: z.string(),
  })
  .catchall(z.unknown())
  .openapi('OAuthError');

const TokenRequestSchema = z
  .object({
    grant_type: z.literal('client_credentials'),
    scope: z.string().optional().openapi({ example: 'citizen:read business:search' }),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    client_assertion_type: z.literal(JWT_BEARER_ASSERTION).optional(),
    client_assertion: z.string().optional(),
  })
  .openapi('TokenRequest');

export const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ example: 600 }),
    scope: z.string().openapi({ example: 'citizen:read' }),
  })
  .openapi('TokenResponse');

export const tokenRoute = createRoute({
  method: 'post',
  path: '/oauth/token',
  operationId: 'issueToken',
  tags: ['OAuth'],
  security: [],
  summary: 'Get an access token (client credentials grant)',
  description:
    'RFC 6749 section 4.4. Authenticate with HTTP Basic (client_secret_basic), with client_id and ' +
    'client_secret in the form (client_secret_post), or with a signed JWT (private_key_jwt, RFC 7523). ' +
    '`scope` narrows the token; it can never exceed what the credential and the agency are entitled to.',
  request: {
    body: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: TokenRequestSchema } },
    },
  },
  responses: {
    200: {
      description: 'A signed access token',
      content: { 'application/json': { schema: TokenResponseSchema } },
    },
    400: { description: 'RFC 6749 error', content: { 'application/json': { schema: OAuthErrorSchema } } },
    401: { description: 'invalid_client', content: { 'application/json': { schema: OAuthErrorSchema } } },
    ...problemResponses(503),
  },
});

/** Parses the form strictly: one value per parameter (RFC 6749 section 3.2), strings only. */
async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new OAuthError('invalid_request', 'Send the token request as application/x-www-form-urlencoded.');
  }
  const params = new URLSearchParams(await c.req.text());
  const form: Record<string, string> = Object.create(null);
  for (const [key, value] of params) {
    if (key in form) throw new OAuthError('invalid_request', `Parameter ${key} is repeated.`);
    form[key] = value;
  }
  return form;
}

function clientAuthFrom(
  c: Context<AppEnv>,
  form: Record<string, string>,
): { input: ClientAuthInput; basic: boolean } {
  const header = c.req.header('Authorization');
  const methods: ClientAuthInput[] = [];
  let basic = false;
  if (header) {
    const match = /^Basic[ ]+([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
    if (!match?.[1]) throw new OAuthError('invalid_request', 'The Authorization header is not HTTP Basic.');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new OAuthError('invalid_request', 'HTTP Basic credentials must be client_id:client_secret.');
    basic = true;
    try {
      methods.push({
        method: 'client_secret_basic',
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
        secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
      });
    } catch {
      throw new OAuthError('invalid_request', 'HTTP Basic credentials are not valid form-encoding.');
    }
  }
  if (form.client_secret !== undefined) {
    if (!form.client_id) throw new OAuthError('invalid_request', 'client_secret needs client_id.');
    methods.push({ method: 'client_secret_post', clientId: form.client_id, secret: form.client_secret });
  }
  if (form.client_assertion !== undefined || form.client_assertion_type !== undefined) {
    if (form.client_assertion_type !== JWT_BEARER_ASSERTION || !form.client_assertion) {
      throw new OAuthError(
        'invalid_request',
        `private_key_jwt needs client_assertion and client_assertion_type=${JWT_BEARER_ASSERTION}.`,
      );
    }
    methods.push({ method: 'private_key_jwt', clientId: form.client_id, assertion: form.client_assertion });
  }
  const [only, ...more] = methods;
  if (!only) {
    throw new OAuthError('invalid_client', 'No client authentication was sent.', {
      'WWW-Authenticate': basicChallenge(),
    });
  }
  if (more.length) throw new OAuthError('invalid_request', 'Use exactly one client authentication method.');
  return { input: only, basic };
}

/** What the token may carry: requested ∩ the credential's scopes ∩ what the agency is entitled to (self:read needs no entitlement). */
export function grantScopes(client: AuthenticatedClient, requested: string | undefined): string[] {
  const entitledOps = new Set<string>(client.entitlements.map((e) => e.operation));
  const allowed: string[] = client.credential.scopes.filter(
    (s) =>
      ((PLATFORM_SCOPES as readonly string[]).includes(s) && mayHoldScope(client.agency.id, s)) ||
      (OPERATIONS.includes(s as Operation) && entitledOps.has(s)) ||
      (AGENCY_SCOPES as readonly string[]).includes(s),
  );
  if (requested === undefined) {
    if (!allowed.length) {
      throw new OAuthError(
        'invalid_scope',
        'The credential has no scope its agency is currently entitled to.',
      );
    }
    return allowed;
  }
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  if (!asked.length) throw new OAuthError('invalid_scope', 'The scope parameter is empty.');
  const refused = asked.filter((s) => !allowed.includes(s));
  if (refused.length) {
    throw new OAuthError(
      'invalid_scope',
      `Not granted to this client: ${refused.join(' ')}. It may request: ${allowed.join(' ') || 'nothing'}.`,
    );
  }
  return asked;
}

/** POST /oauth/token. */
export function oauthRoutes(deps: GatewayDeps): Router {
  const router = newRouter();
  const authDeps = {
    control: deps.control,
    issuer: deps.config.TOKEN_ISSUER,
    now: deps.now,
    logger: deps.logger,
  };
  // Documented by the router that serves it (functions/token/openapi.ts reads the document from the routers);
  // served with post(), not openapi(): the form is parsed here, strictly, with OAuth's own errors.
  router.openAPIRegistry.registerPath(tokenRoute);
  router.post(tokenRoute.path, async (c) => {
    const form = await readForm(c);
    const { input, basic } = clientAuthFrom(c, form);
    if (!form.grant_type) throw new OAuthError('invalid_request', 'grant_type is required.');
    if (form.grant_type !== 'client_credentials') {
      throw new OAuthError(
        'unsupported_grant_type',
        `Only client_credentials is supported, not ${form.grant_type}.`,
      );
    }
    const client = await authenticateClient(authDeps, input, basic);
    const scopes = grantScopes(client, form.scope);
    const operations = new Set(scopes);
    const { planCode, planVersion } = client.agency;
    const plan = planCode && planVersion ? await deps.plans.version(planCode, planVersion) : undefined;
    const { token, expiresIn } = await deps.tokens.issue({
      clientId: client.credential.clientId,
      agencyId: client.agency.id,
      scopes,
      policyVersion: client.agency.policyVersion,
      entitlements: compactEntitlements(client.entitlements.filter((e) => operations.has(e.operation))),
      limits: {
        ...(plan ? limitsOf(plan) : defaultLimits(deps.config)),
        lanes: client.agency.ledgerLanes ?? DEFAULT_LANES,
      },
      budget: client.agency.budget,
    });
    deps.logger.info('token issued', {
      clientId: client.credential.clientId,
      agencyId: client.agency.id,
      method: client.method,
      scope: scopes.join(' '),
    });
    return c.json(
      { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn, scope: scopes.join(' ') },
      200,
      {
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
      },
    );
  });
  return router;
}
