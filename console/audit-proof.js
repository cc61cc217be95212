/**
 * Verification of an audit-log inclusion proof in the browser, with WebCrypto only: the same checks in the
 * same order as shared/audit/proof.ts verifyAuditProof (the proof's shape, the caller's receipt, the tree
 * size, the ES256 checkpoint by a key of the published JWKS, the RFC 9162 inclusion of the leaf under the
 * signed root), so an agency need not trust the page's server to know its call was logged.
 */
import { canonicalBase64Url, canonicalJson, verifyEs256 } from './verify.js';

const CHECKPOINT_TYPE = 'ndg-checkpoint+jws';
const HEX_HASH = /^[0-9a-f]{64}$/;
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z$/;
// A tree of 2^53 leaves is 53 levels tall: a longer path is not a proof, whatever it hashes to.
const MAX_PATH = 64;

class Failure extends Error {
  constructor(code, reason) {
    super(reason);
    this.code = code;
  }
}

const isHexHash = (value) => typeof value === 'string' && HEX_HASH.test(value);
const isSize = (value, min = 0) => Number.isSafeInteger(value) && value >= min;
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const toHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** One JWS part; only the canonical spelling is accepted (a stray unused bit decodes to the same bytes). */
function decodePart(part, what) {
  const bytes = part ? canonicalBase64Url(part) : undefined;
  if (!bytes) throw new Failure('malformed', `The checkpoint's JWS ${what} is not canonical base64url.`);
  return bytes;
}

function shapeProblem(proof) {
  if (!isObject(proof)) return 'the document: not an object';
  if (!isSize(proof.leafIndex)) return 'leafIndex: not an index';
  if (!isSize(proof.treeSize, 1)) return 'treeSize: not a tree size';
  if (!isHexHash(proof.leafHash)) return 'leafHash: not a hash';
  if (!Array.isArray(proof.auditPath) || proof.auditPath.length > MAX_PATH) return 'auditPath: not a path';
  const bad = proof.auditPath.findIndex((hash) => !isHexHash(hash));
  if (bad >= 0) return `auditPath.${bad}: not a hash`;
  const checkpoint = proof.checkpoint;
  if (!isObject(checkpoint)) return 'checkpoint: not an object';
  if (!isSize(checkpoint.treeSize)) return 'checkpoint.treeSize: not a tree size';
  if (!isHexHash(checkpoint.rootHash)) return 'checkpoint.rootHash: not a hash';
  if (typeof checkpoint.timestamp !== 'string') return 'checkpoint.timestamp: not a string';
  if (typeof checkpoint.jws !== 'string') return 'checkpoint.jws: not a string';
  return undefined;
}

const isCheckpointBody = (body) =>
  isObject(body) &&
  Object.keys(body).length === 4 &&
  typeof body.origin === 'string' &&
  body.origin.length > 0 &&
  isSize(body.treeSize) &&
  isHexHash(body.rootHash) &&
  typeof body.timestamp === 'string' &&
  DATE_TIME.test(body.timestamp);

/** The checkpoint's signed body and kid, as shared/audit/checkpoint.ts verifyCheckpoint checks them. */
async function verifyCheckpoint(checkpoint, jwks, subtle) {
  const parts = checkpoint.jws.split('.');
  if (parts.length !== 3) throw new Failure('malformed', 'The checkpoint has no compact JWS.');
  const [headerPart, payloadPart, signaturePart] = parts;
  const headerBytes = decodePart(headerPart, 'header');
  const payloadBytes = decodePart(payloadPart, 'payload');
  const signature = decodePart(signaturePart, 'signature');
  let header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    throw new Failure('malformed', 'The checkpoint JWS header is not JSON.');
  }
  if (!isObject(header)) throw new Failure('malformed', 'The checkpoint JWS header is not a JSON object.');
  if (header.typ !== CHECKPOINT_TYPE) {
    throw new Failure('wrongType', `The JWS is of type ${String(header.typ)}, not a checkpoint.`);
  }
  if (header.alg !== 'ES256') {
    throw new Failure(
      'badSignature',
      `The checkpoint is signed with ${String(header.alg)}: only ES256 is accepted.`,
    );
  }
  const kid = header.kid;
  const keys = Array.isArray(jwks?.keys) ? jwks.keys : [];
  if (typeof kid !== 'string' || !keys.some((key) => key?.kid === kid)) {
    throw new Failure(
      'unknownKey',
      `The JWKS has no key ${String(kid)} (the key that signed the checkpoint).`,
    );
  }
  const jwk = keys.find(
    (key) =>
      key?.kid === kid &&
      key.kty === 'EC' &&
      key.crv === 'P-256' &&
      (key.alg === undefined || key.alg === 'ES256') &&
      (key.use === undefined || key.use === 'sig'),
  );
  if (!jwk) throw new Failure('unknownKey', `The JWKS key ${kid} is not an ES256 signing key.`);
  const valid = await verifyEs256(subtle, jwk, `${headerPart}.${payloadPart}`, signature);
  if (valid === undefined)
    throw new Failure('unknownKey', `The JWKS key ${kid} is not an ES256 signing key.`);
  if (!valid) {
    throw new Failure(
      'badSignature',
      `The checkpoint signature does not verify with key ${kid} of the JWKS.`,
    );
  }
  const payload = new TextDecoder().decode(payloadBytes);
  let body;
  try {
    body = JSON.parse(payload);
  } catch {
    throw new Failure('malformed', 'The signed payload is not a checkpoint.');
  }
  if (!isCheckpointBody(body)) throw new Failure('malformed', 'The signed payload is not a checkpoint.');
  if (canonicalJson(body) !== payload)
    throw new Failure('malformed', 'The signed payload is not in canonical form.');
  for (const field of ['treeSize', 'rootHash', 'timestamp']) {
    if (checkpoint[field] !== body[field]) {
      throw new Failure(
        'payloadMismatch',
        `The checkpoint's ${field} (${String(checkpoint[field])}) is not the signed one (${body[field]}).`,
      );
    }
  }
  return { ...body, kid };
}

/** The length RFC 9162 2.1.3.2 expects: the iterations of its loop until sn reaches 0. */
function inclusionPathLength(leafIndex, treeSize) {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let length = 0;
  while (sn > 0) {
    if (fn % 2 === 1 || fn === sn) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    length += 1;
  }
  return length;
}

async function nodeHash(subtle, left, right) {
  const bytes = new Uint8Array(1 + left.length + right.length);
  bytes[0] = 1;
  bytes.set(left, 1);
  bytes.set(right, 1 + left.length);
  return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

/** RFC 9162 2.1.3.2, step by step (sizes are numbers: bit operators would stop at 2^32). */
async function verifyInclusion(subtle, leafHash, leafIndex, treeSize, auditPath, rootHash) {
  // 1. leaf_index must be below tree_size.
  if (leafIndex >= treeSize) return false;
  // 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = fromHex(leafHash);
  // 4. For each p in inclusion_path:
  for (const p of auditPath) {
    // a. A path longer than the tree is tall fails.
    if (sn === 0) return false;
    // b. p is a left sibling when fn is a right child, or the last node of its level (promoted unchanged to
    // the level where it is a right child); otherwise p is the right sibling.
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(subtle, fromHex(p), r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(subtle, r, fromHex(p));
    }
    // c. Up one level.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. The path must reach the root exactly, and arrive at its hash.
  return sn === 0 && toHex(r) === rootHash;
}

async function verify(proof, jwks, expectLeafHash, subtle) {
  const problem = shapeProblem(proof);
  if (problem) throw new Failure('malformed', `The file is not an audit proof: ${problem}.`);
  const { leafIndex, treeSize, leafHash, auditPath, checkpoint } = proof;
  if (expectLeafHash !== undefined) {
    const receipt = String(expectLeafHash).trim().toLowerCase();
    if (!isHexHash(receipt)) {
      throw new Failure('receiptMalformed', 'The receipt is not a leaf hash (64 hexadecimal characters).');
    }
    if (receipt !== leafHash) {
      throw new Failure(
        'receiptMismatch',
        `The proof is for leaf ${leafHash}, not the receipt's ${receipt}.`,
      );
    }
  }
  if (treeSize !== checkpoint.treeSize) {
    throw new Failure(
      'treeSizeMismatch',
      `The proof is for a tree of ${treeSize} records, the checkpoint for one of ${checkpoint.treeSize}.`,
    );
  }
  const signed = await verifyCheckpoint(checkpoint, jwks, subtle);
  if (leafIndex >= treeSize) {
    throw new Failure('leafOutOfRange', `Leaf ${leafIndex} is not in a tree of ${treeSize} records.`);
  }
  const expected = inclusionPathLength(leafIndex, treeSize);
  if (auditPath.length !== expected) {
    throw new Failure(
      'pathLength',
      `The audit path has ${auditPath.length} hashes; leaf ${leafIndex} of a tree of ${treeSize} needs ${expected}.`,
    );
  }
  if (!(await verifyInclusion(subtle, leafHash, leafIndex, treeSize, auditPath, signed.rootHash))) {
    throw new Failure(
      'notIncluded',
      `The audit path does not lead from leaf ${leafIndex} (${leafHash}) to the signed root ${signed.rootHash}.`,
    );
  }
  return {
    ok: true,
    leafIndex,
    treeSize,
    leafHash,
    rootHash: signed.rootHash,
    origin: signed.origin,
    kid: signed.kid,
    timestamp: signed.timestamp,
  };
}

/**
 * A record's leaf hash as the log computes it (shared/audit/model.ts recordLeafHash): SHA-256 of 0x00 and the
 * canonical JSON of the record (UTF-8), lowercase hex. `event` is an item of GET /audit/events without its
 * leafHash, so the page checks the record it shows, not only the receipt stored beside it.
 */
export async function recordLeafHash(event, subtle = globalThis.crypto.subtle) {
  const bytes = new TextEncoder().encode(canonicalJson(event));
  const prefixed = new Uint8Array(1 + bytes.length);
  prefixed.set(bytes, 1);
  return toHex(new Uint8Array(await subtle.digest('SHA-256', prefixed)));
}

/**
 * Verifies an audit proof (the JSON of GET /audit/log/proofs/{requestId}) against the gateway's JWKS
 * (GET /.well-known/jwks.json), and with `expectLeafHash` (the call's X-Audit-Leaf receipt) that it is that
 * record. Never rejects: resolves to {ok: true, ...what was verified} or {ok: false, code, reason}.
 */
export async function verifyAuditProof(proof, jwks, expectLeafHash, subtle = globalThis.crypto.subtle) {
  try {
    return await verify(proof, jwks, expectLeafHash, subtle);
  } catch (error) {
    if (error instanceof Failure) return { ok: false, code: error.code, reason: error.message };
    return { ok: false, code: 'malformed', reason: 'The proof could not be checked.' };
  }
}
