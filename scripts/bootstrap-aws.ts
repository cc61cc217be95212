/**
 * One-shot AWS bootstrap, run once by an operator with IAM rights after `cdk deploy`:
 *   npm run bootstrap:aws -- --stage prod --region ap-southeast-1
 * It creates the first signing key in the signing-keys secret (if it holds none), the platform operator
 * agency, and the first admin client, whose secret it prints once.
 */
import { parseArgs } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ensureBootstrapAdmin } from '../local/seed';
import { PublishedKeyStore, SigningKeys } from '../shared/auth/keys';
import { SecretsManagerKeyStore } from '../shared/auth/secrets-manager-keys';
import { createStoreClient } from '../shared/storage/client';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    stage: { type: 'string', default: 'dev' },
    region: { type: 'string', default: process.env.AWS_REGION ?? 'ap-southeast-1' },
    secret: { type: 'string' },
    'client-id': { type: 'string' },
    /** Reactivate the bootstrap admin if it was revoked (audited); without it a revoked one stays revoked. */
    reactivate: { type: 'boolean', default: false },
  },
});
const stage = values.stage!;
const region = values.region!;
const tables = {
  control: `ndg-${stage}-control`,
  registry: `ndg-${stage}-registry`,
  ledger: `ndg-${stage}-ledger`,
};
const secretId = values.secret ?? `ndg-${stage}/signing-keys`;

const store = createStoreClient({ region });
const keys = new SigningKeys(new SecretsManagerKeyStore(new SecretsManagerClient({ region }), secretId), {
  createIfMissing: true,
  publishTo: new PublishedKeyStore(store, tables.control),
});
const { kid } = await keys.signingKey();
process.stderr.write(`Signing key in ${secretId}: ${kid}\n`);
// The registry and audit functions verify tokens with the public keys published in the control table.
await keys.publish();
process.stderr.write(`Public keys published in ${tables.control} for the functions that only verify\n`);

const result = await ensureBootstrapAdmin(store, tables, {
  clientId: values['client-id'],
  reactivate: values.reactivate,
  howToReactivate: 'run again with --reactivate',
});
process.stdout.write(
  result.warning
    ? `${result.warning}\n`
    : result.clientSecret
      ? `Admin client: ${result.clientId}\nSecret (shown once, store it in your vault now): ${result.clientSecret}\n`
      : `Admin client ${result.clientId} already exists; its secret was shown when it was created.\n`,
);
