import { describe, expect, it } from 'vitest';
import { localAliases, localOrigin, originRedirect } from '../../../local/origin';

describe('local origin', () => {
  it('is TOKEN_ISSUER when set, else localhost or the specific HOST, with the port bound', () => {
    expect(localOrigin({ host: '127.0.0.1', port: 41234 })).toBe('http://localhost:41234');
    expect(localOrigin({ host: '0.0.0.0', port: 3000 })).toBe('http://localhost:3000');
    expect(localOrigin({ host: '::', port: 3000 })).toBe('http://localhost:3000');
    expect(localOrigin({ host: '192.168.1.20', port: 3000 })).toBe('http://192.168.1.20:3000');
    // localhost reaches 127.0.0.1 only: another loopback address is its own origin.
    expect(localOrigin({ host: '127.0.0.2', port: 3000 })).toBe('http://127.0.0.2:3000');
    expect(localOrigin({ host: 'fd00::20', port: 3000 })).toBe('http://[fd00::20]:3000');
    expect(localOrigin({ issuer: 'https://api.example.gov.vn', host: '127.0.0.1', port: 3000 })).toBe(
      'https://api.example.gov.vn',
    );
  });
});

describe('redirect to the origin', () => {
  const origin = 'http://localhost:3000';
  const aliases = localAliases('127.0.0.1', 3000);
  const get = (url: string, method = 'GET') => originRedirect(new Request(url, { method }), origin, aliases);

  it('sends /docs and /console under another name of this server to the same path on the origin', () => {
    const docs = get('http://127.0.0.1:3000/docs');
    expect(docs?.status).toBe(302);
    expect(docs?.headers.get('Location')).toBe('http://localhost:3000/docs');
    expect(get('http://[::1]:3000/console/app.js?v=1')?.headers.get('Location')).toBe(
      'http://localhost:3000/console/app.js?v=1',
    );
  });

  it('leaves the origin itself, API calls, other methods and other servers alone', () => {
    expect(get('http://localhost:3000/docs')).toBeUndefined();
    expect(get('http://127.0.0.1:3000/oauth/token', 'POST')).toBeUndefined();
    expect(get('http://127.0.0.1:3000/v1/citizens/001099012345')).toBeUndefined();
    expect(get('http://127.0.0.1:3000/docsx')).toBeUndefined();
    expect(get('http://example.org:3000/docs')).toBeUndefined();
    expect(get('http://127.0.0.1:4000/docs')).toBeUndefined();
  });

  it('never redirects to an origin that is not this server (a TOKEN_ISSUER naming a proxy in front)', () => {
    const proxied = new Request('http://127.0.0.1:3000/docs');
    expect(originRedirect(proxied, 'https://api.example.gov.vn', aliases)).toBeUndefined();
  });
});
