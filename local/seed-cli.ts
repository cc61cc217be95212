import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config';
import { DEFAULT_SEED } from '../shared/registry/generator';
import { createStoreClient } from '../shared/storage/client';
import { ensureTables } from '../shared/storage/provision';
import { localStore } from './dynamo-local';
import { seedDemoRecords } from './seed';
import { progressBar, seedSyntheticRegisters } from './synthetic';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const usage = `Usage: npm run seed -- [--citizens N] [--businesses M] [--seed TEXT] [--endpoint URL] [--concurrency C]

Seeds the synthetic population and business registers (deterministic from the seed; the documented demo
records are always there). Into, in this order: --endpoint, $DYNAMODB_ENDPOINT, the DynamoDB Local of a
gateway running on $DATA_DIR (default .data), or a DynamoDB Local this command starts on $DATA_DIR.
Seeding again with the same seed only adds what is missing.`;

function count(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`--${name} must be a whole number 0..${max}`);
  return n;
}

class UsageError extends Error {
  override name = 'UsageError';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      citizens: { type: 'string' },
      businesses: { type: 'string' },
      seed: { type: 'string' },
      endpoint: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const citizens = count(values.citizens, 'citizens', 10_000, 1_000_000);
  const businesses = count(values.businesses, 'businesses', 10_000, 10_000_000);
  const concurrency = count(values.concurrency, 'concurrency', 16, 256) || 1;
  const seed = values.seed ?? DEFAULT_SEED;
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');

  const { endpoint, stop } = await localStore(values.endpoint, dataDir, 'Seeding');

  const config = loadConfig({ ...process.env, DYNAMODB_ENDPOINT: endpoint });
  const store = createStoreClient({ region: config.AWS_REGION, endpoint });
  const tables = {
    control: config.CONTROL_TABLE,
    registry: config.REGISTRY_TABLE,
    ledger: config.LEDGER_TABLE,
  };
  try {
    await ensureTables(store, tables);
    await seedDemoRecords(store, tables);
    const bar = citizens + businesses >= 10_000 ? progressBar('Seeding') : undefined;
    const result = await seedSyntheticRegisters(store, tables.registry, {
      citizens,
      businesses,
      seed,
      concurrency,
      onProgress: (written, total) => bar?.update(written, total),
    });
    if (!result.wrote) {
      process.stderr.write(
        `The registers already hold at least ${citizens} citizens and ${businesses} businesses from seed "${seed}".\n`,
      );
    } else if (bar) {
      bar.finish(result.items);
    } else {
      process.stderr.write(`Seeded ${result.items} items in ${(result.ms / 1000).toFixed(1)} s.\n`);
    }
  } finally {
    store.destroy();
    await stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${usage}\n`);
  else process.stderr.write(`Seeding failed: ${(error as Error)?.message ?? error}\n`);
  process.exit(1);
});
