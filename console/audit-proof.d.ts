/** Types of audit-proof.js for the tests (the browser loads the JavaScript as is). */
export type AuditProofFailureCode =
  | 'malformed'
  | 'wrongType'
  | 'unknownKey'
  | 'badSignature'
  | 'payloadMismatch'
  | 'receiptMalformed'
  | 'receiptMismatch'
  | 'treeSizeMismatch'
  | 'leafOutOfRange'
  | 'pathLength'
  | 'notIncluded';

export type AuditProofResult =
  | {
      ok: true;
      leafIndex: number;
      treeSize: number;
      leafHash: string;
      rootHash: string;
      origin: string;
      kid: string;
      timestamp: string;
    }
  | { ok: false; code: AuditProofFailureCode; reason: string };

export declare function verifyAuditProof(
  proof: unknown,
  jwks: { keys: Record<string, unknown>[] },
  expectLeafHash?: string,
  subtle?: SubtleCrypto,
): Promise<AuditProofResult>;

export declare function recordLeafHash(event: object, subtle?: SubtleCrypto): Promise<string>;
