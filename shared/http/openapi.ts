import { z } from '@hono/zod-openapi';
import type { Scope } from '../identity/model';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: '/problems/validation-error' }),
    title: z.string().openapi({ example: 'Request validation failed' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'Invalid path: nationalId: must be 12 digits' }),
    instance: z.string().openapi({ example: '/v1/citizens/12345' }),
    requestId: z.string().openapi({ example: '0b8f0c3e-3f5e-4a55-9d1f-5c1f7d2f9a10' }),
  })
  .catchall(z.unknown())
  .openapi('Problem');

const descriptions: Record<number, string> = {
  400: 'Malformed or invalid request',
  401: 'Missing, invalid or expired credentials',
  402: "The agency's enforced monthly budget cap is reached (type /problems/budget-exhausted); nothing was served or billed",
  403: 'Authenticated, but not entitled to this operation, purpose or scope',
  404: 'No such resource',
  405: 'Method not allowed on this path',
  409: 'Conflicts with the current state',
  413: 'Request body too large',
  415: 'The body is not of a media type the operation accepts (see its request body)',
  429: 'Rate limit or quota exceeded; see Retry-After',
  431: 'Request headers too large',
  500: 'Unexpected failure (no details are disclosed)',
  502: 'The register custodian answered with an error',
  503: 'A dependency is unavailable; the call was not served or billed',
  504: 'The register custodian did not answer in time',
};

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** The problem+json responses a route can give, for its OpenAPI description. */
export function problemResponses(...statuses: number[]) {
  const list = statuses.length ? statuses : [400, 500];
  return Object.fromEntries(
    list.map((status) => [status, { description: descriptions[status] ?? 'Error', content: problemContent }]),
  );
}

/** One problem+json response, described as it means on this operation (a 409 on a registry call, say). */
export const problemResponse = (status: number, description: string) => ({
  [status]: { description, content: problemContent },
});

/**
 * What the gateway's outer shell may answer on any operation, whatever the route: a body or headers over the
 * limits, an unexpected failure, or 503 (the store unreachable, or the local host still starting). Every operation
 * of the document lists them.
 */
export const BOUNDARY_STATUSES = [413, 431, 500, 503] as const;

/**
 * An operation's OpenAPI security: a bearer token, or one the client credentials flow fetches, holding any one
 * of these scopes (each alternative is enough, as `requireAuth({ anyOf })` checks).
 */
export const securedBy = (...anyOf: [Scope, ...Scope[]]) => [
  { bearer: [] },
  ...anyOf.map((scope) => ({ oauth2: [scope] })),
];
