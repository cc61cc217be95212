/**
 * Register bench: seed rate, lookup latency and search latency and cost at growing register sizes, against
 * DynamoDB Local (started in memory unless --endpoint is given). Sizes grow in one table: the synthetic
 * register is a prefix of the larger one, so each step seeds only the difference.
 *
 *   npx tsx bench/registry.ts --sizes 10000,200000 [--runs 300] [--endpoint URL]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDynamoLocal } from '../local/dynamo-local';
import { progressBar, seedSyntheticRegisters } from '../local/synthetic';
import { generateCitizen, generateEnterprise, mulberry32 } from '../shared/registry/generator';
import { HostedBusinessRegister, HostedRecords } from '../shared/registry/hosted';
import { citizenRecord } from '../shared/registry/operations';
import type { BusinessSearch } from '../shared/registry/provider';
import { createStoreClient } from '../shared/storage/client';
import { ensureTables } from '../shared/storage/provision';
import { benchSearches } from './load';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,200000' },
    runs: { type: 'string', default: '300' },
    endpoint: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);

const searches: Omit<BusinessSearch, 'cursor' | 'limit'>[] = benchSearches;

interface Stats {
  p50: number;
  p95: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    mean: round(sorted.reduce((s, n) => s + n, 0) / sorted.length),
  };
}

async function main() {
  const dynamo = values.endpoint ? undefined : await startDynamoLocal();
  const endpoint = values.endpoint ?? dynamo!.endpoint;
  const store = createStoreClient({ region: 'local', endpoint });
  const tables = {
    control: 'bench-control',
    registry: `bench-registry-${Date.now()}`,
    ledger: 'bench-ledger',
  };
  await ensureTables(store, tables);

  let queries = 0;
  let itemsRead = 0;
  store.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') {
        queries++;
        itemsRead += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCount' },
  );

  const population = new HostedRecords(store, tables.registry, citizenRecord);
  const businesses = new HostedBusinessRegister(store, tables.registry);
  const results: Record<string, unknown>[] = [];
  const random = mulberry32(42);

  for (const size of sizes) {
    const bar = progressBar(`Seeding to ${size.toLocaleString('en-US')}`);
    const seeded = await seedSyntheticRegisters(store, tables.registry, {
      citizens: size,
      businesses: size,
      concurrency: 16,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish(seeded.items);

    const time = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      return performance.now() - started;
    };
    const citizenLatency: number[] = [];
    const businessLatency: number[] = [];
    for (let i = 0; i < runs; i++) {
      const n = Math.floor(random() * size);
      citizenLatency.push(await time(() => population.get(generateCitizen(n).nationalId)));
      businessLatency.push(
        await time(() => businesses.get(generateEnterprise(Math.floor(n / 1.07))[0]!.enterpriseCode)),
      );
    }

    const searchLatency: number[] = [];
    const nextPageLatency: number[] = [];
    const perSearch: Record<string, unknown>[] = [];
    for (const search of searches) {
      const latencies: number[] = [];
      queries = 0;
      itemsRead = 0;
      let found = 0;
      const repeat = Math.max(1, Math.floor(runs / searches.length));
      let cursor: string | undefined;
      for (let i = 0; i < repeat; i++) {
        latencies.push(
          await time(async () => {
            const page = await businesses.searchBusinesses({ ...search, limit: 20 });
            found = page.items.length;
            cursor = page.cursor;
          }),
        );
      }
      const readsPerPage = queries / repeat;
      const itemsPerPage = itemsRead / repeat;
      if (cursor) {
        const after = cursor;
        for (let i = 0; i < repeat; i++) {
          nextPageLatency.push(
            await time(() => businesses.searchBusinesses({ ...search, limit: 20, cursor: after })),
          );
        }
      }
      searchLatency.push(...latencies);
      perSearch.push({ ...search, found, readsPerPage, itemsPerPage, ...stats(latencies) });
    }

    const row = {
      size,
      seed: {
        items: seeded.items,
        seconds: Math.round(seeded.ms / 100) / 10,
        itemsPerSecond: Math.round(seeded.items / (seeded.ms / 1000)),
      },
      getCitizenMs: stats(citizenLatency),
      getBusinessMs: stats(businessLatency),
      searchFirstPageMs: stats(searchLatency),
      searchNextPageMs: nextPageLatency.length ? stats(nextPageLatency) : undefined,
      searches: perSearch,
    };
    results.push(row);
    process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
  }

  writeFileSync(
    'bench/results.registry.json',
    `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`,
  );
  store.destroy();
  await dynamo?.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
