import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_SEED, syntheticBusinesses, syntheticCitizens } from '../shared/registry/generator';
import { demoBusinesses, demoCitizens } from '../shared/registry/model';
import { businessIndexItems } from '../shared/registry/search-index';
import { registryItems, writeRegistryItems } from '../shared/registry/writer';
import { syntheticSeedKey } from '../shared/storage/keys/registry';
import { ENDPOINT_FILE } from './dynamo-local';

/** Where, under DATA_DIR, a running local gateway notes its DynamoDB Local endpoint (for `npm run seed`). */

/** Bumped whenever the generator's output changes, so an old synthetic register is rewritten. */
export const GENERATOR_VERSION = 1;

interface SeedMarker {
  seed: string;
  version: number;
  citizens: number;
  businesses: number;
}

export interface SyntheticSeedOptions {
  citizens: number;
  businesses: number;
  seed?: string;
  /** BatchWrite requests in flight. */
  concurrency?: number;
  /** Called as items are written, with the estimated total. */
  onProgress?: (written: number, estimatedTotal: number) => void;
  /** Stops seeding between batches; the marker is then not updated, so the next start carries on. */
  signal?: AbortSignal;
}

export interface SyntheticSeedResult {
  /** False when the table already held at least this register. */
  wrote: boolean;
  items: number;
  ms: number;
}

function* drop<T>(items: Iterable<T>, count: number): Generator<T> {
  let skipped = 0;
  for (const item of items) {
    if (skipped++ < count) continue;
    yield item;
  }
}

/**
 * Seeds the synthetic population and business registers. Record n is the same for any size, so a table
 * already seeded with the same seed gets only the records it lacks, and one seeded at least as large is
 * left alone: a restart costs one read.
 */
export async function seedSyntheticRegisters(
  store: DynamoDBDocumentClient,
  tableName: string,
  options: SyntheticSeedOptions,
): Promise<SyntheticSeedResult> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_SEED;
  const { Item } = await store.send(new GetCommand({ TableName: tableName, Key: syntheticSeedKey }));
  const previous = Item as SeedMarker | undefined;
  const same = previous?.seed === seed && previous.version === GENERATOR_VERSION;
  const had = { citizens: same ? previous.citizens : 0, businesses: same ? previous.businesses : 0 };
  const adding = {
    citizens: Math.max(0, options.citizens - had.citizens),
    businesses: Math.max(0, options.businesses - had.businesses),
  };
  if (!adding.citizens && !adding.businesses) {
    return { wrote: false, items: 0, ms: performance.now() - started };
  }

  // The demo records lead both streams; they are written on every start anyway, so skip them here.
  const citizens = drop(
    syntheticCitizens(had.citizens + adding.citizens, seed),
    demoCitizens.length + had.citizens,
  );
  const businesses = drop(
    syntheticBusinesses(had.businesses + adding.businesses, seed),
    demoBusinesses.length + had.businesses,
  );
  const estimatedTotal = Math.round(adding.citizens + adding.businesses * (1 + averageIndexItems(seed)));
  const items = await writeRegistryItems(store, tableName, registryItems({ citizens, businesses }), {
    concurrency: options.concurrency ?? 16,
    onProgress: (written) => options.onProgress?.(written, Math.max(written, estimatedTotal)),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (options.signal?.aborted) return { wrote: true, items, ms: performance.now() - started };
  const marker: SeedMarker = {
    seed,
    version: GENERATOR_VERSION,
    citizens: Math.max(options.citizens, had.citizens),
    businesses: Math.max(options.businesses, had.businesses),
  };
  try {
    // Another seeder (the gateway's background one, `npm run seed`) may have written a larger register
    // meanwhile: the marker only ever grows.
    await store.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...syntheticSeedKey, ...marker },
        ConditionExpression:
          'attribute_not_exists(pk) OR #seed <> :seed OR #version <> :version OR (citizens <= :citizens AND businesses <= :businesses)',
        ExpressionAttributeNames: { '#seed': 'seed', '#version': 'version' },
        ExpressionAttributeValues: {
          ':seed': seed,
          ':version': GENERATOR_VERSION,
          ':citizens': marker.citizens,
          ':businesses': marker.businesses,
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  return { wrote: true, items, ms: performance.now() - started };
}

function averageIndexItems(seed: string): number {
  let businesses = 0;
  let items = 0;
  for (const business of syntheticBusinesses(1000, seed)) {
    businesses++;
    items += businessIndexItems(business).length;
  }
  return items / businesses;
}

const number = new Intl.NumberFormat('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * A progress bar for a person watching: redrawn in place on a terminal, a line every few seconds
 * otherwise (CI logs), and always a final line with the rate.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = performance.now();
  const interactive = Boolean(stream.isTTY);
  let lastDraw = 0;
  const render = (done: number, total: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const fraction = total ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    return `${label} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${number.format(done)}/${number.format(total)} items  ${number.format(Math.round(rate))} items/s  ETA ${duration((total - done) / rate)}`;
  };
  return {
    update(done: number, total: number) {
      const now = performance.now();
      if (now - lastDraw < (interactive ? 200 : 5000)) return;
      lastDraw = now;
      stream.write(interactive ? `\r${render(done, total)}\x1b[K` : `${render(done, total)}\n`);
    },
    finish(done: number) {
      const seconds = (performance.now() - started) / 1000;
      const line = `${label} ${number.format(done)} items in ${seconds.toFixed(1)} s (${number.format(Math.round(done / Math.max(seconds, 0.001)))} items/s)`;
      stream.write(interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}

export interface BackgroundSeeding {
  /** Settles when seeding ends: its result, or undefined if it failed or was stopped. */
  done: Promise<SyntheticSeedResult | undefined>;
  /** Stops between batches and waits for the batches in flight. */
  stop(): Promise<void>;
}

/**
 * Seeds the synthetic registers while the gateway already serves (the demo records are written before
 * it starts), so a first start is not held up by thousands of writes. Progress goes to `progress` as lines.
 */
export function seedInBackground(
  store: DynamoDBDocumentClient,
  tableName: string,
  options: { citizens: number; businesses: number; seed?: string; progress: (line: string) => void },
): BackgroundSeeding {
  const controller = new AbortController();
  const { progress } = options;
  let lastLine = performance.now();
  let announced = false;
  const done = seedSyntheticRegisters(store, tableName, {
    citizens: options.citizens,
    businesses: options.businesses,
    ...(options.seed ? { seed: options.seed } : {}),
    signal: controller.signal,
    onProgress: (written, total) => {
      if (!announced) {
        announced = true;
        progress(
          `Seeding the synthetic registers in the background (${number.format(options.citizens)} citizens, ${number.format(options.businesses)} businesses)...`,
        );
      }
      if (total < 50_000 || performance.now() - lastLine < 5000) return;
      lastLine = performance.now();
      progress(
        `Seeding the synthetic registers: ${number.format(written)} of about ${number.format(total)} items`,
      );
    },
  }).then(
    (result) => {
      if (controller.signal.aborted) return undefined;
      if (result.wrote) {
        progress(
          `Synthetic registers ready: ${number.format(options.citizens)} citizens, ${number.format(options.businesses)} businesses (${number.format(result.items)} items written in ${(result.ms / 1000).toFixed(1)} s)`,
        );
      }
      return result;
    },
    (error: Error) => {
      if (!controller.signal.aborted) progress(`Seeding the synthetic registers failed: ${error.message}`);
      return undefined;
    },
  );
  return {
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

/** Notes a running gateway's DynamoDB Local endpoint under DATA_DIR for `npm run seed`; returns the undo. */
export function noteEndpoint(dataDir: string, endpoint: string): () => void {
  const file = resolve(dataDir, ENDPOINT_FILE);
  try {
    writeFileSync(file, `${endpoint}\n`, { mode: 0o600 });
  } catch {
    return () => undefined;
  }
  return () => rmSync(file, { force: true });
}
