import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { UnauthorizedError } from '../errors';
import type { Agency, Scope } from '../identity/model';
import type { ControlRepository } from '../identity/repository';
import type { Caller } from './caller';
import { bearerChallenge, insufficientScope } from './challenge';
import { assertTokenLive, type TokenService } from './tokens';

/** What requireAuth puts on the context. */
export interface AuthVariables {
  caller: Caller;
  /** The caller's agency as a live check read it (routes guarded with `liveCheck`): no need to read it again. */
  liveAgency: Agency;
}

export interface AuthOptions {
  /** The token must carry at least one of these scopes. */
  anyOf: Scope[];
  /**
   * Check that the credential and agency are still active, and the token's policy version is current, with
   * one read. Registry routes leave this to the ledger transaction instead, which checks the same things in
   * the write it makes anyway (no extra round trip); every other route checks here.
   */
  liveCheck: boolean;
}

/** The one bearer-token guard for every protected route. */
export function requireAuth(
  deps: { tokens: TokenService; control: ControlRepository },
  options: AuthOptions,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function requireAuth(c, next) {
    // No route for this method and path: let the 404/405 answer come first, with nothing to authenticate.
    if (!matchedRoutes(c).some((route) => route.method !== 'ALL')) return next();
    const header = c.req.header('Authorization');
    const match = header ? /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header.trim()) : null;
    if (!match?.[1]) {
      throw new UnauthorizedError(
        header
          ? 'The Authorization header is not a Bearer token.'
          : 'This route needs an access token: send Authorization: Bearer <token> from POST /oauth/token.',
        { headers: { 'WWW-Authenticate': bearerChallenge() } },
      );
    }
    const claims = await deps.tokens.verify(match[1]);
    const scopes = claims.scope.split(' ').filter(Boolean);
    // Named before the checks below, so that a refusal can be attributed (the registry records its refusals).
    c.set('caller', { clientId: claims.client_id, agencyId: claims.agency, scopes, claims });
    if (!options.anyOf.some((s) => scopes.includes(s)))
      throw insufficientScope('This route', options.anyOf, scopes);
    if (options.liveCheck) {
      const { credential, agency } = await deps.control.getCredentialWithAgency(
        claims.client_id,
        claims.agency,
      );
      assertTokenLive({ agencyId: claims.agency, policyVersion: claims.pv }, credential, agency);
      c.set('liveAgency', agency!);
    }
    await next();
  };
}

/**
 * A scope a route needs beyond its area's guard (requireAuth has admitted the token with one of the area's
 * scopes): declared on the route itself, `createRoute({ middleware: [requireScope('billing:close')] })`, so
 * what a route needs is read where the route is, and refused the way every scope is (403 insufficient_scope).
 */
export function requireScope(scope: Scope, what: string): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function requireScope(c, next) {
    const { scopes } = c.get('caller');
    if (!scopes.includes(scope)) throw insufficientScope(what, [scope], scopes);
    await next();
  };
}
