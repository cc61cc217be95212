/**
 * Verifies a closed statement offline:
 *   npm run verify-statement -- statement.json [--jwks https://gateway/.well-known/jwks.json | jwks.json]
 * The file is the one GET /billing/statements/{YYYY-MM}/signed?agency= downloads. Exit 0 when the file is
 * exactly what the gateway signed; exit 1 (with the reason) on any edited byte or an unknown key.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyStatementFile } from '../shared/billing/signed';
import { DEFAULT_JWKS, loadJwks } from './jwks';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { jwks: { type: 'string', default: DEFAULT_JWKS } },
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: npm run verify-statement -- statement.json [--jwks url-or-file]');
    return 2;
  }
  try {
    const result = await verifyStatementFile(readFileSync(file), await loadJwks(values.jwks ?? DEFAULT_JWKS));
    console.log(
      `OK: statement of ${result.agencyId} for ${result.period}, total ${result.totalVnd} VND, ` +
        `sha256 ${result.sha256}, signed by key ${result.kid}`,
    );
    return 0;
  } catch (error) {
    console.error(`NOT VERIFIED: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
