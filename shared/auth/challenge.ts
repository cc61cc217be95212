import { ForbiddenError } from '../errors';

/** The realm every challenge of the gateway names. */
export const REALM = 'national-data-gateway';

/** What a bearer challenge says went wrong (RFC 6750 section 3): nothing (no token was sent), or its error. */
export type BearerProblem =
  | { error: 'invalid_token'; description: string }
  | { error: 'insufficient_scope'; scope: string }
  | { error: 'invalid_request'; description: string };

/** The `WWW-Authenticate` value of a refused bearer token. */
export function bearerChallenge(problem?: BearerProblem): string {
  const base = `Bearer realm="${REALM}"`;
  if (!problem) return base;
  // A quoted-string may not hold a double quote: the description is said with single ones.
  const detail =
    problem.error === 'insufficient_scope'
      ? `scope="${problem.scope}"`
      : `error_description="${problem.description.replace(/"/g, "'")}"`;
  return `${base}, error="${problem.error}", ${detail}`;
}

/** The `WWW-Authenticate` value asking for HTTP Basic client authentication (the token endpoint's). */
export const basicChallenge = (): string => `Basic realm="${REALM}", charset="UTF-8"`;

/**
 * The one refusal of a token that lacks a scope: 403 with the challenge naming what is needed (`anyOf`: one
 * of these), in every place a scope is checked (a route's guard, an operation's authorization).
 */
export function insufficientScope(
  what: string,
  anyOf: readonly string[],
  has: readonly string[],
): ForbiddenError {
  return new ForbiddenError(
    `${what} needs scope ${anyOf.join(' or ')}; the token has ${has.join(' ') || 'none'}.`,
    {
      headers: {
        'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', scope: anyOf.join(' ') }),
      },
    },
  );
}
