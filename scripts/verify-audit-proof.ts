/**
 * Verifies an audit-log inclusion proof offline:
 *   npm run verify-audit-proof -- proof.json [--jwks https://gateway/.well-known/jwks.json | jwks.json]
 *     [--leaf <X-Audit-Leaf receipt>]
 * The file is the one GET /audit/log/proofs/{requestId} answers. Exit 0 when the record is in the log under
 * a checkpoint the gateway signed (and, with --leaf, is the record of that receipt); exit 1 with the reason
 * otherwise; exit 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyAuditProof } from '../shared/audit/proof';
import { DEFAULT_JWKS, loadJwks } from './jwks';

const USAGE = 'usage: npm run verify-audit-proof -- proof.json [--jwks url-or-file] [--leaf <hex receipt>]';

function parse() {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        jwks: { type: 'string', default: DEFAULT_JWKS },
        leaf: { type: 'string' },
      },
    });
    const file = positionals[0];
    if (!file || positionals.length > 1) return undefined;
    if (values.leaf !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.leaf.trim())) return undefined;
    return { file, jwks: values.jwks ?? DEFAULT_JWKS, leaf: values.leaf };
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const args = parse();
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  try {
    const text = readFileSync(args.file, 'utf8');
    let proof: unknown;
    try {
      proof = JSON.parse(text);
    } catch (error) {
      throw new Error(`${args.file} is not JSON.`, { cause: error });
    }
    const result = await verifyAuditProof(proof, await loadJwks(args.jwks), args.leaf);
    console.log(
      `OK: record ${result.leafIndex} (leaf ${result.leafHash}) is in the audit log ${result.origin} of ` +
        `${result.treeSize} records, root ${result.rootHash}, checkpoint of ${result.timestamp} signed by key ` +
        `${result.kid}${args.leaf ? ', and is the record of the receipt' : ' (no --leaf: the receipt was not checked)'}`,
    );
    return 0;
  } catch (error) {
    console.error(`NOT VERIFIED: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
