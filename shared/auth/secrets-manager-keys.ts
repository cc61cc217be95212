import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { KeyStore, StoredKey } from './keys';

/**
 * Kept out of keys.ts: only the functions that sign (token, admin, billing, the audit sealer) and the scripts
 * that run on AWS import it, so the verify-only functions (registry, audit) bundle no Secrets Manager client.
 */
/** AWS: a Secrets Manager secret holding `{"keys": [...]}` (other members, such as a placeholder, are ignored). */
export class SecretsManagerKeyStore implements KeyStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}
  async load(): Promise<StoredKey[]> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const parsed = JSON.parse(SecretString ?? '{}') as { keys?: StoredKey[] };
    return Array.isArray(parsed.keys) ? parsed.keys : [];
  }
  async save(keys: StoredKey[]): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({ SecretId: this.secretId, SecretString: JSON.stringify({ keys }) }),
    );
  }
}

/** The key store of a secret, for createDeps: what a signing function's entry file passes in. */
export const secretsManagerKeys = (region: string | undefined, secretId: string): KeyStore =>
  new SecretsManagerKeyStore(new SecretsManagerClient({ region }), secretId);
