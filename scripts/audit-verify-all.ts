/**
 * Re-verifies the whole audit log, for auditors:
 *   npm run audit:verify-all [-- --endpoint URL] [--jwks https://gateway/.well-known/jwks.json | jwks.json]
 * Reads every record, recomputes every leaf, every tile and the root at every signed checkpoint, and checks the
 * latest checkpoint's signature with the gateway's JWKS. Locally it uses the running gateway's
 * DynamoDB Local (or $DYNAMODB_ENDPOINT, or starts one on $DATA_DIR); in AWS, the tables named by
 * CONTROL_TABLE / LEDGER_TABLE with the caller's credentials. Exit 0 when the log is intact, 1 naming the first
 * broken record otherwise.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localStore } from '../local/dynamo-local';
import { progressBar } from '../local/synthetic';
import { auditLogOf } from '../shared/audit/log';
import { loadConfig } from '../shared/config';
import { createDeps } from '../shared/deps';
import { DEFAULT_JWKS, loadJwks } from './jwks';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      aws: { type: 'boolean' },
      jwks: { type: 'string', default: DEFAULT_JWKS },
    },
  });
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const local = values.aws ? undefined : await localStore(values.endpoint, dataDir, 'Verifying');
  // Verifying needs no private key: the keys come from the published JWKS.
  const jwks = await loadJwks(values.jwks ?? DEFAULT_JWKS);
  const deps = createDeps(
    loadConfig({
      ...process.env,
      SIGNING_KEYS_SOURCE: 'published',
      ...(local ? { DYNAMODB_ENDPOINT: local.endpoint } : {}),
    }),
  );
  try {
    const bar = progressBar('Verifying the audit log');
    const result = await auditLogOf(deps).verify(jwks, {
      full: true,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish(result.checked);
    if (result.ok) {
      console.log(`OK: ${result.treeSize} audit records, every leaf, tile and signed root checked.`);
      return 0;
    }
    const at = result.firstBroken?.leafIndex === undefined ? '' : ` at leaf ${result.firstBroken.leafIndex}`;
    const id = result.firstBroken?.id ? ` (record ${result.firstBroken.id})` : '';
    console.error(`BROKEN${at}${id}: ${result.firstBroken?.reason}`);
    return 1;
  } finally {
    deps.store.destroy();
    await local?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Verification could not run: ${(error as Error)?.message ?? error}`);
    process.exit(2);
  },
);
