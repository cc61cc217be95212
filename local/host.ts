import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditLogOf, SealerBusyError } from '../shared/audit/log';
import { type Config, loadConfig } from '../shared/config';
import { createDeps, type GatewayDeps } from '../shared/deps';
import { problemResponse } from '../shared/http/problem';
import { CLIENT_ID_PATTERN } from '../shared/identity/model';
import { ensureTables } from '../shared/storage/provision';
import { assertJava, type DynamoLocal, startDynamoLocal } from './dynamo-local';
import { createGatewayApp } from './gateway-app';
import { localAliases, localOrigin, originRedirect } from './origin';
import { DATA_DIR_ENTRIES, ensurePrivateDir } from './private-dir';
import {
  type BootstrapResult,
  type DemoAgencyResult,
  ensureBootstrapAdmin,
  ensureDemoAgency,
  seedDemoRecords,
} from './seed';
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
  /** The demo agency DEMO with a credential and last month's calls (README "For agencies"); 0 turns it off. */
  DEMO_AGENCY: z
    .string()
    .optional()
    .transform((v) => v !== '0' && v !== 'false'),
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
  /** Absent when DEMO_AGENCY=0. */
  demo?: DemoAgencyResult | undefined;
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

  let server: ServerType | undefined;
  try {
    // Bind first: the issuer, the OpenAPI server and the banner name the port actually bound (PORT=0 picks one).
    // Until the gateway is built the port answers 503.
    let serveRequest: (request: Request) => Response | Promise<Response> = starting;
    server = await listen(settings, (request) => serveRequest(request));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : settings.PORT;
    const origin = localOrigin({ issuer: env.TOKEN_ISSUER, host: settings.HOST, port });
    const config: Config = loadConfig({
      SIGNING_KEYS_FILE: settings.IN_MEMORY ? undefined : resolve(settings.DATA_DIR, 'signing-keys.json'),
      ...env,
      DYNAMODB_ENDPOINT: endpoint,
      TOKEN_ISSUER: origin,
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
    const demo = settings.DEMO_AGENCY ? await ensureDemoAgency(deps) : undefined;
    if (demo?.created) {
      progress(
        `Created the demo agency ${demo.code} (${demo.seededCalls} calls metered last month, for its statement)`,
      );
    }

    const app = createGatewayApp(deps);
    const aliases = localAliases(settings.HOST, port);
    serveRequest = (request) => originRedirect(request, origin, aliases) ?? app.fetch(request);
    const stopSealing = startSealing(deps, settings.AUDIT_SEAL_INTERVAL_MS);
    const seeding = seedInBackground(deps.store, deps.tables.registry, {
      citizens: settings.SEED_CITIZENS,
      businesses: settings.SEED_BUSINESSES,
      progress,
    });
    const forgetEndpoint =
      dynamo && !settings.IN_MEMORY ? noteEndpoint(settings.DATA_DIR, endpoint) : undefined;
    const bound = server;
    return {
      url: origin,
      port,
      deps,
      bootstrap,
      demo,
      dynamoEndpoint: endpoint,
      seeded: seeding.done,
      stop: async () => {
        await seeding.stop();
        forgetEndpoint?.();
        await stopSealing();
        await new Promise<void>((done) => bound.close(() => done()));
        deps.store.destroy();
        await dynamo?.stop();
      },
    };
  } catch (error) {
    const bound = server;
    if (bound) await new Promise<void>((done) => bound.close(() => done()));
    await dynamo?.stop();
    throw error;
  }
}

/** Listens on HOST:PORT, handing every request to `fetch`. */
function listen(
  settings: Pick<LocalSettings, 'PORT' | 'HOST'>,
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<ServerType> {
  return new Promise((resolveServer, reject) => {
    const s = serve({ fetch, port: settings.PORT, hostname: settings.HOST }, () => resolveServer(s));
    s.once('error', reject);
  });
}

/**
 * What the port answers while the tables, the demo data and the bootstrap admin are being prepared: 503 with
 * Retry-After, written by the gateway's one problem writer.
 */
const startingApp = new Hono<{ Variables: { requestId: string } }>();
startingApp.all('*', (c) => {
  const requestId = randomUUID();
  c.set('requestId', requestId);
  return problemResponse(
    c,
    503,
    { slug: 'service-unavailable', detail: 'The gateway is starting: retry in a few seconds.' },
    { 'Retry-After': '1', 'X-Request-Id': requestId },
  );
});
const starting = (request: Request) => startingApp.fetch(request);

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
