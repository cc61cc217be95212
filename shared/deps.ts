import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditTrail } from './audit/trail';
import { FileKeyStore, type KeyStore, MemoryKeyStore, PublishedKeyStore, SigningKeys } from './auth/keys';
import { TokenService } from './auth/tokens';
import { type Config, loadConfig } from './config';
import { PlanRepository } from './identity/plans';
import { PurposeRepository } from './identity/purposes';
import { ControlRepository } from './identity/repository';
import { createLogger, type Logger } from './log';
import { createStoreClient } from './storage/client';
import type { TableNames } from './storage/tables';

/** What every function's createApp(deps) receives. Tests build it around DynamoDB Local or a mocked client. */
export interface GatewayDeps {
  config: Config;
  logger: Logger;
  store: DynamoDBDocumentClient;
  tables: TableNames;
  /** The clock; tests move it to cross billing-period boundaries and token expiry. */
  now: () => Date;
  keys: SigningKeys;
  tokens: TokenService;
  control: ControlRepository;
  plans: PlanRepository;
  /** The purpose catalogue: the procedure codes entitlements may name, with their names. */
  purposes: PurposeRepository;
  audit: AuditTrail;
}

export function tableNamesFrom(config: Config): TableNames {
  return { control: config.CONTROL_TABLE, registry: config.REGISTRY_TABLE, ledger: config.LEDGER_TABLE };
}

/** Builds the Secrets Manager key store (shared/auth/secrets-manager-keys.ts) for the functions that sign. */
export type SecretKeyStoreFactory = (region: string | undefined, secretId: string) => KeyStore;

/**
 * The signing-key store the configuration names; only a local or in-memory store may create the first key.
 * A secret needs `secretKeys`, given by the entry files of the functions that sign, so that the verify-only
 * functions do not bundle a Secrets Manager client.
 */
export function keyStoreFrom(
  config: Config,
  store: DynamoDBDocumentClient,
  secretKeys?: SecretKeyStoreFactory,
): { store: KeyStore; createIfMissing: boolean } {
  if (config.SIGNING_KEYS_SOURCE === 'published') {
    return { store: new PublishedKeyStore(store, config.CONTROL_TABLE), createIfMissing: false };
  }
  if (config.SIGNING_KEYS_SECRET_ARN) {
    if (!secretKeys) {
      throw new Error(
        'SIGNING_KEYS_SECRET_ARN is set, but this function reads only published keys: set SIGNING_KEYS_SOURCE=published, or build its deps with secretsManagerKeys.',
      );
    }
    return {
      store: secretKeys(config.AWS_REGION, config.SIGNING_KEYS_SECRET_ARN),
      createIfMissing: false,
    };
  }
  if (config.SIGNING_KEYS_FILE)
    return { store: new FileKeyStore(config.SIGNING_KEYS_FILE), createIfMissing: true };
  return { store: new MemoryKeyStore(), createIfMissing: true };
}

export interface DepsParts {
  config: Config;
  logger: Logger;
  store: DynamoDBDocumentClient;
  now?: () => Date;
  keyStore?: { store: KeyStore; createIfMissing: boolean };
}

/** Assembles the services over given parts (tests pass a captured logger, a moved clock, a mocked client). */
export function assembleDeps(parts: DepsParts): GatewayDeps {
  const { config, logger, store } = parts;
  const now = parts.now ?? (() => new Date());
  const tables = tableNamesFrom(config);
  const keyStore = parts.keyStore ?? keyStoreFrom(config, store);
  const keys = new SigningKeys(keyStore.store, {
    createIfMissing: keyStore.createIfMissing,
    now,
    // Every rotation publishes the public keys for the functions that only verify (see PublishedKeyStore).
    publishTo:
      keyStore.store instanceof PublishedKeyStore ? undefined : new PublishedKeyStore(store, tables.control),
  });
  return {
    config,
    logger,
    store,
    tables,
    now,
    keys,
    tokens: new TokenService(keys, {
      issuer: config.TOKEN_ISSUER,
      audience: config.TOKEN_AUDIENCE,
      ttlSeconds: config.TOKEN_TTL_SECONDS,
      now,
    }),
    control: new ControlRepository(store, tables.control),
    plans: new PlanRepository(store, tables.control),
    purposes: new PurposeRepository(store, tables.control),
    audit: new AuditTrail(store, tables.ledger),
  };
}

/** Builds the dependencies from the environment, once per cold start. */
export function createDeps(
  config: Config = loadConfig(),
  options: { secretKeys?: SecretKeyStoreFactory } = {},
): GatewayDeps {
  const store = createStoreClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT });
  return assembleDeps({
    config,
    logger: createLogger(config.LOG_LEVEL, { service: 'national-data-gateway' }),
    store,
    keyStore: keyStoreFrom(config, store, options.secretKeys),
  });
}
