/** Host names under which a browser on this machine reaches a server bound to a loopback or wildcard address. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether HOST binds every interface (0.0.0.0, ::) or the loopback address localhost names: the machine's browser then
 * uses localhost. Another 127.x address is its own origin (localhost does not reach it).
 */
const isLocalBinding = (host: string) =>
  host === '' ||
  host === '0.0.0.0' ||
  host === '::' ||
  host === '::1' ||
  host === 'localhost' ||
  host === '127.0.0.1';

/** HOST as the host part of a URL (an IPv6 address in brackets). */
const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * The one origin the local gateway is known by: the tokens' issuer, the OpenAPI server, the console's base and
 * what `npm start` prints. TOKEN_ISSUER when set; else `http://localhost:<port>` (a loopback or wildcard HOST), or
 * `http://<HOST>:<port>` for a specific address, `port` being the one actually bound.
 */
export function localOrigin(options: { issuer?: string | undefined; host: string; port: number }): string {
  if (options.issuer) return options.issuer;
  const host = isLocalBinding(options.host) ? 'localhost' : urlHost(options.host);
  return `http://${host}:${options.port}`;
}

/** The `host:port` names a browser may use for this server: the loopback names and a specific HOST. */
export function localAliases(host: string, port: number): string[] {
  const names = isLocalBinding(host) ? LOOPBACK_NAMES : [...LOOPBACK_NAMES, urlHost(host)];
  return names.map((name) => `${name}:${port}`);
}

/** `host:port` of a URL, the port written even when it is the scheme's default. */
const hostAndPort = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;

/** The pages whose scripts talk to the API under a `connect-src 'self'` CSP: they must be served from the origin. */
const PAGES = /^\/(docs|console)(\/|$)/;

/**
 * A browser that opens /docs or /console under another name of the same local server (127.0.0.1 when the origin
 * is localhost) would load a page whose API calls go to the origin, which its CSP (`connect-src 'self'`) blocks:
 * send it to the same path on the origin. Only between names of this server (`aliases`): an origin elsewhere
 * (a TOKEN_ISSUER naming a proxy in front) is never redirected to, or a proxy that rewrites Host would loop. A 302,
 * not a 308, so a browser does not remember it when the next start has another origin.
 */
export function originRedirect(request: Request, origin: string, aliases: string[]): Response | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const url = new URL(request.url);
  if (!PAGES.test(url.pathname)) return undefined;
  const target = new URL(origin);
  const asked = hostAndPort(url);
  const wanted = hostAndPort(target);
  if (asked === wanted || !aliases.includes(asked) || !aliases.includes(wanted)) return undefined;
  return new Response(null, {
    status: 302,
    headers: {
      Location: `${target.origin}${url.pathname}${url.search}`,
      'Cache-Control': 'no-store',
    },
  });
}
