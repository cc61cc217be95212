/**
 * Signed checkpoints of the audit log: the gateway's signed statement that the log of `origin` had
 * `treeSize` records with Merkle root `rootHash` at `timestamp`. A compact JWS (ES256, the gateway's signing
 * key) over the canonical JSON of that body, explicitly typed so that no other JWS the same key signs (a
 * token, a billing statement) can pass for a checkpoint.
 */
import { CompactSign, type CryptoKey, compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { SIGNING_ALG } from '../auth/keys';
import { canonicalJson } from './canonical';
import { isHexHash } from './merkle';

export const CHECKPOINT_TYPE = 'ndg-checkpoint+jws';

export interface CheckpointBody {
  /** Which log: the gateway's audit log identity (a checkpoint of another log never verifies as this one). */
  origin: string;
  treeSize: number;
  /** MTH of the first treeSize records, lowercase hex. */
  rootHash: string;
  /** When the checkpoint was made, ISO 8601 UTC. */
  timestamp: string;
}

/** A checkpoint as the gateway publishes it: its fields beside the JWS that signs them (and the origin). */
export interface SignedCheckpoint {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  jws: string;
}

export interface VerifiedCheckpoint extends CheckpointBody {
  kid: string;
}

export const checkpointBodySchema = z.strictObject({
  origin: z.string().min(1),
  treeSize: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  rootHash: z.string().refine(isHexHash, 'a hash is 64 lowercase hexadecimal characters'),
  timestamp: z.iso.datetime(),
});

export type CheckpointFailure =
  | 'malformed'
  | 'wrongType'
  | 'unknownKey'
  | 'badSignature'
  | 'payloadMismatch'
  | 'wrongOrigin';

/** Why a checkpoint did not verify; `code` names the check that failed, the message says how. */
export class CheckpointVerificationError extends Error {
  override name = 'CheckpointVerificationError';
  constructor(
    readonly code: CheckpointFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Signs a checkpoint body with the gateway's current key. */
export async function signCheckpoint(
  body: CheckpointBody,
  key: { kid: string; key: CryptoKey },
): Promise<SignedCheckpoint> {
  const parsed = checkpointBodySchema.parse(body);
  const jws = await new CompactSign(new TextEncoder().encode(canonicalJson(parsed)))
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: CHECKPOINT_TYPE })
    .sign(key.key);
  return { treeSize: parsed.treeSize, rootHash: parsed.rootHash, timestamp: parsed.timestamp, jws };
}

function decodePart(part: string, what: string): Uint8Array {
  const bytes = Buffer.from(part, 'base64url');
  // Base64url's last character can carry unused bits a decoder ignores: only the canonical spelling of each
  // part is accepted, so one signature has one JWS (as for signed statements).
  if (!/^[A-Za-z0-9_-]+$/.test(part) || bytes.toString('base64url') !== part) {
    throw new CheckpointVerificationError(
      'malformed',
      `The checkpoint's JWS ${what} is not canonical base64url.`,
    );
  }
  return new Uint8Array(bytes);
}

/**
 * Checks a published checkpoint with the gateway's JWKS: an ES256 JWS of type ndg-checkpoint+jws, by a key
 * of the set (named by kid), whose signed body has exactly the checkpoint's size, root and time (and, when
 * asked, the expected origin). Resolves to the signed body and the kid; rejects with a
 * CheckpointVerificationError.
 */
export async function verifyCheckpoint(
  checkpoint: SignedCheckpoint,
  jwks: JSONWebKeySet,
  options: { origin?: string | undefined } = {},
): Promise<VerifiedCheckpoint> {
  const parts = typeof checkpoint.jws === 'string' ? checkpoint.jws.split('.') : [];
  if (parts.length !== 3) {
    throw new CheckpointVerificationError('malformed', 'The checkpoint has no compact JWS.');
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const headerBytes = decodePart(headerPart, 'header');
  decodePart(payloadPart, 'payload');
  decodePart(signaturePart, 'signature');
  let header: { alg?: unknown; kid?: unknown; typ?: unknown } | null;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new CheckpointVerificationError('malformed', 'The checkpoint JWS header is not JSON.', {
      cause: error,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointVerificationError('malformed', 'The checkpoint JWS header is not a JSON object.');
  }
  if (header.typ !== CHECKPOINT_TYPE) {
    throw new CheckpointVerificationError(
      'wrongType',
      `The JWS is of type ${String(header.typ)}, not a checkpoint.`,
    );
  }
  if (header.alg !== SIGNING_ALG) {
    throw new CheckpointVerificationError(
      'badSignature',
      `The checkpoint is signed with ${String(header.alg)}: only ES256 is accepted.`,
    );
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || !(jwks.keys ?? []).some((key) => key.kid === kid)) {
    throw new CheckpointVerificationError(
      'unknownKey',
      `The JWKS has no key ${String(kid)} (the key that signed the checkpoint).`,
    );
  }
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(checkpoint.jws, createLocalJWKSet(jwks), { algorithms: [SIGNING_ALG] });
  } catch (error) {
    const noKey = (error as { code?: unknown }).code === 'ERR_JWKS_NO_MATCHING_KEY';
    throw new CheckpointVerificationError(
      noKey ? 'unknownKey' : 'badSignature',
      noKey
        ? `The JWKS key ${kid} is not an ES256 signing key.`
        : `The checkpoint signature does not verify with key ${kid} of the JWKS.`,
      { cause: error },
    );
  }
  const payload = new TextDecoder().decode(verified.payload);
  let body: CheckpointBody;
  try {
    body = checkpointBodySchema.parse(JSON.parse(payload));
  } catch (error) {
    throw new CheckpointVerificationError('malformed', 'The signed payload is not a checkpoint.', {
      cause: error,
    });
  }
  if (canonicalJson(body) !== payload) {
    throw new CheckpointVerificationError('malformed', 'The signed payload is not in canonical form.');
  }
  for (const field of ['treeSize', 'rootHash', 'timestamp'] as const) {
    if (checkpoint[field] !== body[field]) {
      throw new CheckpointVerificationError(
        'payloadMismatch',
        `The checkpoint's ${field} (${String(checkpoint[field])}) is not the signed one (${body[field]}).`,
      );
    }
  }
  if (options.origin !== undefined && body.origin !== options.origin) {
    throw new CheckpointVerificationError(
      'wrongOrigin',
      `The checkpoint is of log ${body.origin}, not ${options.origin}.`,
    );
  }
  return { ...body, kid };
}
