import { type CryptoKey, type JWK, SignJWT } from 'jose';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * An RFC 7523 client assertion as a standard OAuth client signs it for private_key_jwt: iss = sub = the
 * client, aud = the token endpoint, a fresh jti, valid for 60 s.
 */
export function clientAssertion(
  clientId: string,
  key: CryptoKey | Uint8Array | JWK,
  tokenEndpoint: string,
  header: { kid?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', ...header })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenEndpoint)
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key as CryptoKey);
}

/** The token request body (application/x-www-form-urlencoded) presenting a client assertion. */
export function assertionForm(assertion: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  }).toString();
}
