/** Types of verify.js for the tests (the browser loads the JavaScript as is). */
export declare class StatementVerificationError extends Error {
  readonly code:
    | 'malformed'
    | 'notCanonical'
    | 'unknownKey'
    | 'badSignature'
    | 'payloadMismatch'
    | 'hashMismatch';
}
export declare function canonicalJson(value: unknown): string;
export declare function verifySignedStatement(
  fileText: string,
  jwks: { keys: Record<string, unknown>[] },
  subtle?: SubtleCrypto,
): Promise<{ kid: string; sha256: string; agencyId: string; period: string; totalVnd: number }>;
