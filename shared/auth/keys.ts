import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { publishedKeysKey } from '../storage/keys/control';

export const SIGNING_ALG = 'ES256';

/**
 * A gateway signing key as stored: the newest is current, the one before stays published for verification.
 * A verify-only store (PublishedKeyStore) holds no `privateJwk`.
 */
export interface StoredKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  privateJwk?: JWK | undefined;
  publicJwk: JWK;
  createdAt: string;
}

/** Where the signing keys live: a local file, memory, or Secrets Manager. Never in the code. */
export interface KeyStore {
  load(): Promise<StoredKey[]>;
  save(keys: StoredKey[]): Promise<void>;
}

export class MemoryKeyStore implements KeyStore {
  private keys: StoredKey[] = [];
  async load() {
    return this.keys;
  }
  async save(keys: StoredKey[]) {
    this.keys = keys;
  }
}

/** The local host's key file (under DATA_DIR), written with owner-only permissions. */
export class FileKeyStore implements KeyStore {
  constructor(private readonly path: string) {}
  async load(): Promise<StoredKey[]> {
    try {
      return (JSON.parse(readFileSync(this.path, 'utf8')) as { keys: StoredKey[] }).keys ?? [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
  async save(keys: StoredKey[]): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
    renameSync(temp, this.path);
  }
}

/**
 * The public halves of the current and previous signing keys (after a rotation, also the one it retired:
 * verifiers load the first two), in the control table. Functions that only verify access tokens (registry,
 * audit) read the keys here, so they need no access to the secret that holds the
 * private keys: a compromised registry function can read what it serves, but it cannot mint an admin token.
 * Written by every rotation (before the new key signs anything) and by `npm run bootstrap:aws`.
 */
export class PublishedKeyStore implements KeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}
  async load(): Promise<StoredKey[]> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.controlTable, Key: publishedKeysKey, ConsistentRead: true }),
    );
    const keys = (Item?.keys ?? []) as StoredKey[];
    return keys.map(({ kid, alg, publicJwk, createdAt }) => ({ kid, alg, publicJwk, createdAt }));
  }
  async save(): Promise<void> {
    throw new SigningKeysUnavailableError(
      'This function only verifies tokens: it cannot store signing keys.',
    );
  }
  /** Publishes the public halves of `keys` (never a private member: they are rebuilt field by field). */
  async publish(keys: StoredKey[], now: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.controlTable,
        Item: {
          ...publishedKeysKey,
          keys: keys.map(({ kid, alg, publicJwk, createdAt }) => ({
            kid,
            alg,
            publicJwk: publicOnly(publicJwk),
            createdAt,
          })),
          publishedAt: now.toISOString(),
        },
      }),
    );
  }
}

/** A public JWK's members only: whatever else a stored copy carries is not published. */
function publicOnly(jwk: JWK): JWK {
  const { kty, crv, x, y, kid, alg, use } = jwk;
  return { kty, crv, x, y, kid, alg, use };
}

export class SigningKeysUnavailableError extends Error {
  override name = 'SigningKeysUnavailableError';
}

interface LoadedKey {
  stored: StoredKey;
  /** Absent in a verify-only function. */
  privateKey?: CryptoKey | undefined;
  publicKey: CryptoKey;
}

export interface SigningKeysOptions {
  /** Create the first key when the store is empty (local host, bootstrap); Lambdas only read. */
  createIfMissing?: boolean;
  /** Where a rotation publishes the public keys for verify-only functions (before the new key signs). */
  publishTo?: PublishedKeyStore | undefined;
  /** How often to look for a rotation made elsewhere. */
  refreshMs?: number;
  now?: () => Date;
}

/** Creates a new ES256 key pair in the stored form. */
export async function createStoredKey(now: Date): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = `ndg-${now.toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, alg: SIGNING_ALG, privateJwk, publicJwk, createdAt: now.toISOString() };
}

/**
 * The gateway's signing keys: the current one signs, current and previous verify and are published in the
 * JWKS. Keys are imported once and cached; an unknown kid triggers at most one reload per refresh period,
 * so a forged kid cannot make every request hit the key store.
 */
export class SigningKeys {
  private loaded: LoadedKey[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | undefined;
  private readonly refreshMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: KeyStore,
    private readonly options: SigningKeysOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 5 * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  private async load(): Promise<void> {
    let stored = await this.store.load();
    if (stored.length === 0 && this.options.createIfMissing) {
      stored = [await createStoredKey(this.now())];
      await this.store.save(stored);
    }
    this.loaded = await Promise.all(
      stored.slice(0, 2).map(async (key) => ({
        stored: key,
        privateKey: key.privateJwk
          ? ((await importJWK(key.privateJwk, SIGNING_ALG)) as CryptoKey)
          : undefined,
        publicKey: (await importJWK(key.publicJwk, SIGNING_ALG)) as CryptoKey,
      })),
    );
    this.loadedAt = Date.now();
  }

  private async ensureLoaded(force = false): Promise<void> {
    const stale = Date.now() - this.loadedAt > this.refreshMs;
    if (this.loaded.length && !stale && !force) return;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    await this.ensureLoaded();
    const current = this.loaded[0];
    if (!current) throw new SigningKeysUnavailableError('No signing key is configured; run the bootstrap.');
    if (!current.privateKey) {
      throw new SigningKeysUnavailableError('This function only verifies tokens: it holds no private key.');
    }
    return { kid: current.stored.kid, key: current.privateKey };
  }

  /** The public key for a kid, or undefined if the gateway does not know it. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    await this.ensureLoaded();
    let found = this.loaded.find((k) => k.stored.kid === kid);
    if (!found && Date.now() - this.loadedAt > 30_000) {
      await this.ensureLoaded(true);
      found = this.loaded.find((k) => k.stored.kid === kid);
    }
    return found?.publicKey;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.ensureLoaded();
    return { keys: this.loaded.map((k) => k.stored.publicJwk) };
  }

  /**
   * Makes a new current key; the old current stays for verification until the next rotation. `beforeSave`
   * runs with the new kid once it is published and before it is saved (the admin service writes its audit
   * record there: no key is ever installed without one, and a rotation that fails to publish leaves none).
   */
  async rotate(
    beforeSave: (change: { kid: string; previousKid?: string | undefined }) => Promise<void> = async () => {},
  ): Promise<{ kid: string; previousKid?: string | undefined }> {
    const stored = await this.store.load();
    const fresh = await createStoredKey(this.now());
    const keys = [fresh, ...stored].slice(0, 2);
    // Published first: verifiers then know the new key before it signs anything. The keys still saved are
    // published with it (verifiers use the first two), so were the save to fail, every saved key stays
    // published and the set only names one more key, which nobody signs with.
    await this.options.publishTo?.publish([fresh, ...stored], this.now());
    await beforeSave({ kid: fresh.kid, previousKid: stored[0]?.kid });
    await this.store.save(keys);
    await this.ensureLoaded(true);
    return { kid: fresh.kid, previousKid: stored[0]?.kid };
  }

  /** Publishes the current and previous public keys (bootstrap, and after an upgrade that added publishing). */
  async publish(): Promise<void> {
    if (!this.options.publishTo) throw new Error('No place to publish the keys is configured.');
    await this.ensureLoaded(true);
    await this.options.publishTo.publish(
      this.loaded.map((k) => k.stored),
      this.now(),
    );
  }
}
