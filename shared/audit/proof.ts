/**
 * Offline verification of an audit-log inclusion proof (GET /audit/log/proofs/{requestId}): the record's
 * leaf is in the Merkle tree whose root the gateway signed in the checkpoint. With the caller's X-Audit-Leaf
 * receipt, it is also the record the caller was given when the call was made.
 */
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { type CheckpointFailure, CheckpointVerificationError, verifyCheckpoint } from './checkpoint';
import { fromHex, inclusionPathLength, isHexHash, verifyInclusion } from './merkle';

const hexHash = z.string().refine(isHexHash, 'a hash is 64 lowercase hexadecimal characters');
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const auditProofSchema = z.object({
  leafIndex: size,
  treeSize: size.min(1),
  leafHash: hexHash,
  // A tree of 2^53 leaves is 53 levels tall: a longer path is not a proof, whatever it hashes to.
  auditPath: z.array(hexHash).max(64),
  checkpoint: z.object({
    treeSize: size,
    rootHash: hexHash,
    timestamp: z.string(),
    jws: z.string(),
  }),
});

export type AuditProof = z.infer<typeof auditProofSchema>;

export interface VerifiedAuditProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  origin: string;
  kid: string;
  timestamp: string;
}

export type AuditProofFailure =
  | CheckpointFailure
  | 'receiptMalformed'
  | 'receiptMismatch'
  | 'treeSizeMismatch'
  | 'leafOutOfRange'
  | 'pathLength'
  | 'notIncluded';

/** Why a proof did not verify; `code` names the check that failed, the message says exactly how. */
export class AuditProofError extends Error {
  override name = 'AuditProofError';
  constructor(
    readonly code: AuditProofFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Verifies an inclusion proof as the gateway serves it: its shape, that it is against the checkpoint's tree
 * size, the checkpoint's signature by a key of the JWKS, and the RFC 9162 inclusion of the leaf under the
 * signed root; with `expectLeafHash` (an X-Audit-Leaf receipt), that the leaf is that record.
 */
export async function verifyAuditProof(
  proof: unknown,
  jwks: JSONWebKeySet,
  expectLeafHash?: string,
): Promise<VerifiedAuditProof> {
  const parsed = auditProofSchema.safeParse(proof);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AuditProofError(
      'malformed',
      `The file is not an audit proof: ${issue?.path.join('.') || 'the document'}: ${issue?.message}.`,
    );
  }
  const { leafIndex, treeSize, leafHash, auditPath, checkpoint } = parsed.data;
  if (expectLeafHash !== undefined) {
    const receipt = expectLeafHash.trim().toLowerCase();
    if (!isHexHash(receipt)) {
      throw new AuditProofError(
        'receiptMalformed',
        'The receipt is not a leaf hash (64 hexadecimal characters).',
      );
    }
    if (receipt !== leafHash) {
      throw new AuditProofError(
        'receiptMismatch',
        `The proof is for leaf ${leafHash}, not the receipt's ${receipt}.`,
      );
    }
  }
  if (treeSize !== checkpoint.treeSize) {
    throw new AuditProofError(
      'treeSizeMismatch',
      `The proof is for a tree of ${treeSize} records, the checkpoint for one of ${checkpoint.treeSize}.`,
    );
  }
  let signed: Awaited<ReturnType<typeof verifyCheckpoint>>;
  try {
    signed = await verifyCheckpoint(checkpoint, jwks);
  } catch (error) {
    if (error instanceof CheckpointVerificationError) {
      throw new AuditProofError(error.code, error.message, { cause: error });
    }
    throw error;
  }
  if (leafIndex >= treeSize) {
    throw new AuditProofError('leafOutOfRange', `Leaf ${leafIndex} is not in a tree of ${treeSize} records.`);
  }
  const expected = inclusionPathLength(leafIndex, treeSize);
  if (auditPath.length !== expected) {
    throw new AuditProofError(
      'pathLength',
      `The audit path has ${auditPath.length} hashes; leaf ${leafIndex} of a tree of ${treeSize} needs ${expected}.`,
    );
  }
  if (
    !verifyInclusion(fromHex(leafHash), leafIndex, treeSize, auditPath.map(fromHex), fromHex(signed.rootHash))
  ) {
    throw new AuditProofError(
      'notIncluded',
      `The audit path does not lead from leaf ${leafIndex} (${leafHash}) to the signed root ${signed.rootHash}.`,
    );
  }
  return {
    leafIndex,
    treeSize,
    leafHash,
    rootHash: signed.rootHash,
    origin: signed.origin,
    kid: signed.kid,
    timestamp: signed.timestamp,
  };
}
