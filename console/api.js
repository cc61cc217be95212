/**
 * The gateway's HTTP API as the console uses it. The access token lives in this module's closure only: never
 * in localStorage, sessionStorage, a cookie or the URL, so it is gone when the page is closed or reloaded.
 */
import { problemSlug } from './problems.js';

/**
 * An API error with what the gateway said: problem+json (`type`, `title`, `detail`), or an OAuth error from the
 * token endpoint (`error`, `error_description`, whose problem members name its `oauth-<error>` type). The
 * English `title` and `detail` are for the "Details" disclosure; what the user reads comes from the type.
 */
export class ApiError extends Error {
  constructor({ status, type, title, detail, requestId, errors }) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    /** The slug of `/problems/<slug>`: what the console words the error by (problems.js). */
    this.slug = problemSlug(type);
    this.title = title;
    this.detail = detail;
    this.requestId = requestId;
    /** A validation problem's fields: `[{ path, message, code?, params? }]` (empty for any other error). */
    this.errors = Array.isArray(errors)
      ? errors.filter((e) => e && typeof e.path === 'string' && typeof e.message === 'string')
      : [];
  }
}

async function errorOf(response) {
  const requestId = response.headers.get('X-Request-Id') ?? undefined;
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the status alone is what there is to say.
  }
  // An OAuth error without the problem members: its code gives the type the gateway would have named.
  const type =
    body.type ??
    (typeof body.error === 'string' ? `/problems/oauth-${body.error.replace(/_/g, '-')}` : undefined);
  return new ApiError({
    status: response.status,
    type,
    title: body.title ?? body.error ?? response.statusText,
    detail: body.detail ?? body.error_description,
    requestId: body.requestId ?? requestId,
    errors: body.errors,
  });
}

/** A client of the gateway at `base` (the page's own origin and stage); `onExpired` runs on a 401. */
export function createApi(base, onExpired) {
  let token;
  const url = (path) => new URL(path, base).href;

  async function request(method, path, { body, accept = 'application/json' } = {}) {
    const headers = { Accept: accept };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) {
        // The token is refused: the shell signs out and says so, and busy() shows nothing more.
        error.expired = true;
        onExpired(error);
      }
      throw error;
    }
    return response;
  }

  return {
    /** client_credentials with client_secret_basic; keeps the token and returns its scopes. */
    async signIn(clientId, secret) {
      const form = (text) => encodeURIComponent(text).replace(/%20/g, '+');
      const response = await fetch(url('oauth/token'), {
        method: 'POST',
        headers: {
          Authorization: `Basic ${btoa(`${form(clientId)}:${form(secret)}`)}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        credentials: 'omit',
        cache: 'no-store',
      });
      if (!response.ok) throw await errorOf(response);
      const issued = await response.json();
      token = issued.access_token;
      return {
        scopes: String(issued.scope ?? '')
          .split(' ')
          .filter(Boolean),
        expiresIn: issued.expires_in,
      };
    },
    signOut() {
      token = undefined;
    },
    get signedIn() {
      return token !== undefined;
    },
    json: async (method, path, body) => (await request(method, path, { body })).json(),
    text: async (path, accept) => (await request('GET', path, { accept })).text(),
    /** One page of a CSV export: its text and the cursor of the next page (X-Next-Cursor), if any. */
    async csvPage(path) {
      const response = await request('GET', path, { accept: 'text/csv' });
      return { text: await response.text(), next: response.headers.get('X-Next-Cursor') ?? undefined };
    },
    /** A public document (the JWKS): no token sent. */
    async publicText(path) {
      const response = await fetch(url(path), { credentials: 'omit', cache: 'no-store' });
      if (!response.ok) throw await errorOf(response);
      return response.text();
    },
  };
}
