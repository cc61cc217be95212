import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { z } from 'zod';
import { auditLogOf, SealerBusyError } from '../shared/audit/log';
import { type Config, loadConfig } from '../shared/config';
import { createDeps, type GatewayDeps } from '../shared/deps';
import { CLIENT_ID_PATTERN } from '../shared/identity/model';
import { ensureTables } from '../shared/storage/provision';
import { assertJava, type DynamoLocal, startDynamoLocal } from './dynamo-local';
import { createGatewayApp } from './gateway-app';
import { DATA_DIR_ENTRIES, ensurePrivateDir } from './private-dir';
import { type BootstrapResult, ensureBootstrapAdmin, seedDemoRecords } from './seed';
import { StreamSealer } from './stream-sealer';
import { noteEndpoint, type SyntheticSeedResult, seedInBackground } from './synthetic';

const flag = z
  .string()
  .optional()
  .transform((v) => v === '1' || v === 'true');

/** The local host's own settings (the functions' settings are in shared/config.ts). */
export const LocalSettingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  IN_MEMORY: flag,
  /** Use an already running DynamoDB (Local) instead of starting one. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  DYNAMODB_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  BOOTSTRAP_ADMIN_CLIENT_ID: z
    .string()
    .regex(CLIENT_ID_PATTERN, 'use 3-64 letters, digits, dot, dash or underscore')
    .optional(),
  BOOTSTRAP_ADMIN_CLIENT_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
  /** A revoked bootstrap admin is reactivated only when this asks for it (audited either way). */
  BOOTSTRAP_ADMIN_REACTIVATE: flag,
  /** Size of the synthetic registers, seeded in the background after the start (demo records aside). */
  SEED_CITIZENS: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  SEED_BUSINESSES: z.coerce.number().int().min(0).max(10_000_000).default(2000),
  /** How often the audit sealer appends new records to the audit log; 0 turns it off (benchmarks). */
  AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
});
export type LocalSettings = z.infer<typeof LocalSettingsSchema>;

export interface LocalGateway {
  url: string;
  port: number;
  deps: GatewayDeps;
  bootstrap: BootstrapResult;
  dynamoEndpoint: string;
  /** Settles when the synthetic registers are seeded (undefined if seeding failed or was stopped). */
  seeded: Promise<SyntheticSeedResult | undefined>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Progress lines for a person watching the start (stderr by default). */
  progress?: (line: string) => void;
  /** Replace parts of the dependencies (tests: a quiet logger, a fixed clock). */
  overrideDeps?: (deps: GatewayDeps) => GatewayDeps;
}

/** Starts DynamoDB Local (unless given an endpoint), prepares tables and demo data, and serves the gateway. */
export async function startLocalGateway(options: StartOptions = {}): Promise<LocalGateway> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = LocalSettingsSchema.parse(env);
  // The key file and the store live here: owner-only, including what an older version left readable.
  if (!settings.IN_MEMORY) ensurePrivateDir(resolve(settings.DATA_DIR), DATA_DIR_ENTRIES);

  let dynamo: DynamoLocal | undefined;
  let endpoint = settings.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    assertJava();
    const where = settings.IN_MEMORY ? 'in memory' : `in ${resolve(settings.DATA_DIR, 'dynamodb')}`;
    progress(`Starting DynamoDB Local (${where})...`);
    dynamo = await startDynamoLocal({
      dataDir: settings.IN_MEMORY ? undefined : resolve(settings.DATA_DIR, 'dynamodb'),
      port: settings.DYNAMODB_PORT,
    });
    endpoint = dynamo.endpoint;
  }

  try {
    const issuer = env.TOKEN_ISSUER ?? `http://localhost:${settings.PORT || 3000}`;
    const config: Config = loadConfig({
      SIGNING_KEYS_FILE: settings.IN_MEMORY ? undefined : resolve(settings.DATA_DIR, 'signing-keys.json'),
      ...env,
      DYNAMODB_ENDPOINT: endpoint,
      TOKEN_ISSUER: issuer,
    });
    let deps = createDeps(config);
    if (options.overrideDeps) deps = options.overrideDeps(deps);

    const created = await ensureTables(deps.store, deps.tables);
    if (created.length) progress(`Created tables: ${created.join(', ')}`);
    await seedDemoRecords(deps.store, deps.tables);
    const bootstrap = await ensureBootstrapAdmin(deps.store, deps.tables, {
      clientId: settings.BOOTSTRAP_ADMIN_CLIENT_ID,
      clientSecret: settings.BOOTSTRAP_ADMIN_CLIENT_SECRET,
      reactivate: settings.BOOTSTRAP_ADMIN_REACTIVATE,
    });

    const app = createGatewayApp(deps);
    const stopSealing = startSealing(deps, settings.AUDIT_SEAL_INTERVAL_MS);
    const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
      const s = serve({ fetch: app.fetch, port: settings.PORT, hostname: settings.HOST }, () =>
        resolveServer(s),
      );
      s.once('error', reject);
    });
    const seeding = seedInBackground(deps.store, deps.tables.registry, {
      citizens: settings.SEED_CITIZENS,
      businesses: settings.SEED_BUSINESSES,
      progress,
    });
    const forgetEndpoint =
      dynamo && !settings.IN_MEMORY ? noteEndpoint(settings.DATA_DIR, endpoint) : undefined;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : settings.PORT;
    return {
      url: `http://${settings.HOST === '0.0.0.0' ? 'localhost' : settings.HOST}:${port}`,
      port,
      deps,
      bootstrap,
      dynamoEndpoint: endpoint,
      seeded: seeding.done,
      stop: async () => {
        await seeding.stop();
        forgetEndpoint?.();
        await stopSealing();
        await new Promise<void>((done) => server.close(() => done()));
        deps.store.destroy();
        await dynamo?.stop();
      },
    };
  } catch (error) {
    await dynamo?.stop();
    throw error;
  }
}

/**
 * Locally the audit sealer runs on a timer, reading the ledger table's stream as the event source mapping does
 * in AWS; one run at a time.
 */
function startSealing(deps: GatewayDeps, everyMs: number): () => Promise<void> {
  if (everyMs === 0) return async () => undefined;
  const sealer = new StreamSealer(deps.store, deps.tables.ledger, auditLogOf(deps));
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = running.then(() =>
      sealer.drain().catch((error: Error) => {
        if (!(error instanceof SealerBusyError))
          deps.logger.warn('audit sealing failed', { errorName: error.name });
      }),
    );
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    sealer.destroy();
  };
}
