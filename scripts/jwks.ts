import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';

/** Where the offline verifiers take the gateway's published keys from by default: the local gateway. */
export const DEFAULT_JWKS = process.env.GATEWAY_JWKS ?? 'http://localhost:3000/.well-known/jwks.json';

/** The gateway's JWKS from a URL (its /.well-known/jwks.json) or a file saved from it. */
export async function loadJwks(source: string): Promise<JSONWebKeySet> {
  try {
    if (/^https?:\/\//.test(source)) {
      const response = await fetch(source);
      if (!response.ok) throw new Error(`it answered ${response.status}`);
      return (await response.json()) as JSONWebKeySet;
    }
    return JSON.parse(readFileSync(source, 'utf8')) as JSONWebKeySet;
  } catch (error) {
    throw new Error(`No JWKS from ${source}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
