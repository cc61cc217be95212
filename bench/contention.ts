/**
 * The contention section (issue 13, item 4): one agency's concurrent brokered calls through a store that applies
 * the DynamoDB service's transaction-conflict rules (local/service-store.ts, in its own process) at the service's
 * p50 times (TransactWriteItems 25 ms, other calls 7 ms), beside the same runs with the rules off. Plus the old
 * design's shape (one lane: every call writes the same two counter items), and exactness under the same
 * conditions: many concurrent calls against a small quota serve exactly the quota, and the counters equal the
 * entries written.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type DynamoDBDocumentClient, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalGateway, startLocalGateway } from '../local/host';
import type { ServiceStoreStats } from '../local/service-store';
import { ControlRepository } from '../shared/identity/repository';
import { DEFAULT_LANES } from '../shared/ledger/lanes';
import { periodOf } from '../shared/ledger/period';
import { readCounters } from '../shared/ledger/usage';
import { controlKeys } from '../shared/storage/keys/control';
import { auditIndexKeys } from '../shared/storage/keys/ledger';
import type { TableNames } from '../shared/storage/tables';
import { type CpuShare, cpuMeter } from './cpu';
import { type LoadResult, load, round } from './load';

export const SERVICE_TIMES = { transactMs: 25, itemMs: 7 };

/** What the section needs from the bench's main gateway. */
export interface ContentionSetup {
  dynamoEndpoint: string;
  /** Environment for the gateways started here (the main gateway's keys file, so its tokens verify). */
  env: Record<string, string | undefined>;
  store: DynamoDBDocumentClient;
  tables: TableNames;
  api: (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;
  tokenFor: (clientId: string, secret: string) => Promise<string>;
  jvmPids: number[];
  say: (line: string) => void;
}

export interface ContentionRun {
  clients: number;
  conflicts: boolean;
  servedPerSecond: number;
  refusedShare: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  store: Pick<ServiceStoreStats, 'transactionConflicts' | 'itemConflicts' | 'maxHeldItems'> & {
    transactWrites: number;
    batchGets: number;
  };
  cpu: CpuShare;
}

export interface ContentionRow {
  clients: number;
  servedPerSecond: number;
  refusedShare: number;
  baselinePerSecond: number;
}

/** One store proxy in a child process. */
interface StoreChild {
  endpoint: string;
  pid: number;
  stats(): Promise<ServiceStoreStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startStoreChild(target: string, conflicts: boolean): Promise<StoreChild> {
  const args = [
    '--target',
    target,
    '--transact-ms',
    String(SERVICE_TIMES.transactMs),
    '--item-ms',
    String(SERVICE_TIMES.itemMs),
  ];
  if (!conflicts) args.push('--no-conflicts');
  const child: ChildProcess = fork('bench/store-child.ts', args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type?: string } & T) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`the store proxy exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { endpoint } = await next<{ endpoint: string }>('ready');
  return {
    endpoint,
    pid: child.pid ?? 0,
    stats: async () => {
      const answer = next<{ stats: ServiceStoreStats }>('stats');
      child.send({ type: 'stats' });
      return (await answer).stats;
    },
    reset: async () => {
      const answer = next('reset');
      child.send({ type: 'reset' });
      await answer;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const served = (r: LoadResult) =>
  Object.entries(r.statuses)
    .filter(([status]) => status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
const responses = (r: LoadResult) => Object.values(r.statuses).reduce((sum, n) => sum + n, 0);

/** Runs the whole section; returns what results.json carries. */
export async function runContention(
  setup: ContentionSetup,
  options: { seconds: number; clients: number[]; oneLaneClients: number[] },
) {
  const { api, say } = setup;
  const period = periodOf(new Date()).period;

  /** A plan and an agency on it with a citizen:read credential; `lanes` forces the agency's lane count. */
  const agencyOn = async (
    code: string,
    plan: { perSecond: number; burst: number; quota: number },
    lanes?: number,
  ) => {
    await api('POST', '/admin/plans', {
      code,
      name: `Đo tranh chấp ${code}`,
      rateLimit: { perSecond: plan.perSecond, burst: plan.burst },
      monthlyQuota: plan.quota,
      includedCalls: 0,
      monthlyFeeVnd: 0,
      unitPricesVnd: { 'citizen:read': 500 },
    });
    const agency = await api('POST', '/admin/agencies', { code, name: `Cơ quan ${code}` });
    const agencyId = agency.id as string;
    await api('PUT', `/admin/agencies/${agencyId}/entitlements`, {
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    });
    await api('PUT', `/admin/agencies/${agencyId}/plan`, { planCode: code });
    if (lanes !== undefined) {
      // The admin API never gives an agency fewer than 4 lanes; the old design had one counter item. Set before
      // the token is issued, so the token carries it.
      await setup.store.send(
        new UpdateCommand({
          TableName: setup.tables.control,
          Key: controlKeys.agency(agencyId),
          UpdateExpression: 'SET ledgerLanes = :n',
          ExpressionAttributeValues: { ':n': lanes },
        }),
      );
    }
    const credential = await api('POST', `/admin/agencies/${agencyId}/credentials`, {
      scopes: ['citizen:read'],
    });
    const token = await setup.tokenFor(credential.clientId as string, credential.clientSecret as string);
    const lanesNow = (await new ControlRepository(setup.store, setup.tables.control).getAgency(agencyId))
      ?.ledgerLanes;
    return { agencyId, token, lanes: lanesNow ?? DEFAULT_LANES };
  };

  say(
    'Contention: agencies on 10,000 calls/s (1,024 lanes), on one lane (the old shape), and a quota of 50...',
  );
  const many = await agencyOn('CONT-10000', { perSecond: 10_000, burst: 100_000, quota: 100_000_000 });
  const one = await agencyOn('CONT-ONE', { perSecond: 1, burst: 100_000, quota: 100_000_000 }, 1);
  const exact = await agencyOn('CONT-Q50', { perSecond: 10_000, burst: 100_000, quota: 50 });

  say(
    `Contention: two store proxies (${SERVICE_TIMES.transactMs} ms / ${SERVICE_TIMES.itemMs} ms), with and without the conflict rules, each behind its own gateway...`,
  );
  const stores: Record<'on' | 'off', StoreChild | undefined> = { on: undefined, off: undefined };
  const gateways: Record<'on' | 'off', LocalGateway | undefined> = { on: undefined, off: undefined };
  try {
    stores.on = await startStoreChild(setup.dynamoEndpoint, true);
    stores.off = await startStoreChild(setup.dynamoEndpoint, false);
    for (const mode of ['on', 'off'] as const) {
      gateways[mode] = await startLocalGateway({
        env: { ...setup.env, DYNAMODB_ENDPOINT: stores[mode]!.endpoint },
        progress: () => undefined,
      });
    }
    // Each gateway by the port it bound: its `url` is its issuer, which is the main gateway's (so that the main
    // gateway's tokens verify), and load sent there would bypass the store proxies altogether.
    const sideOf = (store: StoreChild, gateway: LocalGateway) => ({
      store,
      base: `http://127.0.0.1:${gateway.port}`,
    });
    const on = sideOf(stores.on!, gateways.on!);
    const off = sideOf(stores.off!, gateways.off!);

    const path = '/v1/citizens/001099012345';
    const headersOf = (token: string) => ({ Authorization: `Bearer ${token}`, 'X-Purpose': '1.001' });
    for (const side of [on, off]) {
      await load(`${side.base}${path}`, {
        connections: 16,
        seconds: 2,
        headers: headersOf(many.token),
      });
    }

    const run = async (
      side: typeof on,
      conflicts: boolean,
      clients: number,
      token: string,
      seconds: number,
    ): Promise<ContentionRun> => {
      await side.store.reset();
      const meter = cpuMeter({
        gateway: 'self',
        store: side.store.pid,
        ...Object.fromEntries(
          setup.jvmPids.map((pid, i) => [i ? `dynamodbLocal${i}` : 'dynamodbLocal', pid]),
        ),
      });
      const result = await load(`${side.base}${path}`, {
        connections: clients,
        seconds,
        headers: headersOf(token),
      });
      const cpu = meter.stop();
      const stats = await side.store.stats();
      // A run whose served calls never reached the proxy measured another path (as when load went to the main
      // gateway, bypassing both proxies): its figures would say nothing about the conflict rules.
      if (served(result) > 0 && !stats.requests.TransactWriteItems)
        throw new Error(
          `contention: ${served(result)} calls served but the store proxy saw no TransactWriteItems: the gateway under load is not behind it`,
        );
      const total = Math.max(1, responses(result));
      return {
        clients,
        conflicts,
        servedPerSecond: round(served(result) / Math.max(0.001, result.durationS), 1),
        refusedShare: round((result.statuses['503'] ?? 0) / total, 4),
        statuses: result.statuses,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        store: {
          transactionConflicts: stats.transactionConflicts,
          itemConflicts: stats.itemConflicts,
          maxHeldItems: stats.maxHeldItems,
          transactWrites: stats.requests.TransactWriteItems ?? 0,
          batchGets: stats.requests.BatchGetItem ?? 0,
        },
        cpu,
      };
    };

    const compare = async (label: string, token: string, levels: number[]) => {
      const runs: ContentionRun[] = [];
      for (const clients of levels) {
        // In halves, baseline / conflicts / conflicts / baseline (ABBA): the machine's drift over the pair (other
        // work, the JIT, a GC) then falls on both sides alike, instead of on whichever ran second.
        const half = Math.max(1, options.seconds / 2);
        const b1 = await run(off, false, clients, token, half);
        const f1 = await run(on, true, clients, token, half);
        const f2 = await run(on, true, clients, token, half);
        const b2 = await run(off, false, clients, token, half);
        const baseline = mergeRuns(b1, b2);
        const faithful = mergeRuns(f1, f2);
        runs.push(baseline, faithful);
        say(
          `  ${label}, ${String(clients).padStart(3)} clients: ${faithful.servedPerSecond} served/s, ${round(
            faithful.refusedShare * 100,
            1,
          )}% refused, ${faithful.store.transactionConflicts} conflicts injected; without conflicts ${baseline.servedPerSecond}/s`,
        );
      }
      const rows: ContentionRow[] = levels.map((clients) => {
        const faithful = runs.find((r) => r.clients === clients && r.conflicts)!;
        const baseline = runs.find((r) => r.clients === clients && !r.conflicts)!;
        return {
          clients,
          servedPerSecond: faithful.servedPerSecond,
          refusedShare: faithful.refusedShare,
          baselinePerSecond: baseline.servedPerSecond,
        };
      });
      return { rows, runs };
    };

    say(`Contention: one agency of ${many.lanes} lanes, ${options.seconds} s a run...`);
    const lanes = await compare(`${many.lanes} lanes`, many.token, options.clients);
    say(`Contention: one agency on ${one.lanes} lane (every call writes the same month and window item)...`);
    const oneLane = await compare(`${one.lanes} lane`, one.token, options.oneLaneClients);

    say('Exactness: 200 calls at once against a quota of 50, through the conflict rules...');
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const response = await fetch(`${on.base}${path}`, { headers: headersOf(exact.token) });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const tally: Record<string, number> = {};
    for (const status of statuses) tally[status] = (tally[status] ?? 0) + 1;
    const [counters] = await readCounters(
      setup.store,
      setup.tables.ledger,
      { id: exact.agencyId, ledgerLanes: exact.lanes },
      period,
      period,
      { consistent: true, days: false },
    );
    const entries = await countEntries(setup.store, setup.tables.ledger, exact.agencyId);
    const exactness = {
      quota: 50,
      concurrentCalls: 200,
      lanes: exact.lanes,
      statuses: tally,
      served: tally['200'] ?? 0,
      counted: counters?.calls ?? 0,
      entries,
      refused503: tally['503'] ?? 0,
      exact: (tally['200'] ?? 0) === 50 && counters?.calls === 50 && entries === 50 && !tally['503'],
    };
    say(
      `  served ${exactness.served}, counted ${exactness.counted}, entries ${exactness.entries}, 503s ${exactness.refused503}: ${exactness.exact ? 'exact' : 'NOT exact'}`,
    );
    return {
      rows: lanes.rows,
      details: {
        serviceTimes: SERVICE_TIMES,
        seconds: options.seconds,
        lanes: many.lanes,
        runs: lanes.runs,
        oneLane: { lanes: one.lanes, rows: oneLane.rows, runs: oneLane.runs },
        exactness,
        bottleneck: bottleneck(lanes.runs),
      },
    };
  } finally {
    for (const gateway of Object.values(gateways)) await gateway?.stop().catch(() => undefined);
    for (const store of Object.values(stores)) await store?.stop().catch(() => undefined);
  }
}

/** The agency's ledger entries, counted on the audit index by agency (its 16 shards). */
async function countEntries(store: DynamoDBDocumentClient, table: string, agencyId: string): Promise<number> {
  let count = 0;
  for (const shardKey of auditIndexKeys.agencyShards(agencyId)) {
    const pages = paginateQuery(
      { client: store },
      {
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: 'begins_with(pk, :entry)',
        ExpressionAttributeValues: { ':pk': shardKey, ':entry': 'ENTRY#' },
        Select: 'COUNT',
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
  }
  return count;
}

/**
 * What limits each conflict-rule run, by arithmetic: the latency bound (clients / the two service times a call
 * waits for) against the CPU bound (the machine's cores / the CPU every process spent per served call).
 */
function bottleneck(runs: ContentionRun[]) {
  const latencyMs = SERVICE_TIMES.itemMs + SERVICE_TIMES.transactMs;
  return runs
    .filter((r) => r.conflicts)
    .map((r) => {
      const served = Math.max(0.1, r.servedPerSecond);
      const latencyBound = round((r.clients * 1000) / latencyMs, 0);
      const ours = Object.values(r.cpu.cores).reduce((s, v) => s + v, 0);
      const other = Math.max(0, r.cpu.machineBusyCores - ours);
      const perCall = Object.fromEntries(
        Object.entries({ ...r.cpu.cores, otherWork: other }).map(([name, cores]) => [
          name,
          round((cores * 1000) / served, 2),
        ]),
      );
      const cpuMsPerCall = Object.values(perCall).reduce((s, v) => s + v, 0);
      const cpuBound = round((r.cpu.machineCores * 1000) / Math.max(0.001, cpuMsPerCall), 0);
      const [busiest, busiestMs] = Object.entries(perCall).sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
      const ofCpu = served / Math.max(1, cpuBound);
      const ofLatency = served / Math.max(1, latencyBound);
      const percent = (f: number) => `${round(f * 100, 0)}%`;
      // The bound the run came nearer to is the one that held it back; the rest of the gap is queueing.
      const limitedBy =
        ofCpu >= ofLatency
          ? `CPU: ${r.cpu.machineCores} cores / ${round(cpuMsPerCall, 1)} ms of CPU per served call = ${cpuBound}/s (${percent(ofCpu)} reached; latency bound ${latencyBound}/s); largest share ${busiest}, ${busiestMs} ms a call`
          : `latency: ${r.clients} clients / ${latencyMs} ms of service time a call = ${latencyBound}/s (${percent(ofLatency)} reached; CPU bound ${cpuBound}/s)`;
      return {
        clients: r.clients,
        servedPerSecond: r.servedPerSecond,
        latencyBoundPerSecond: latencyBound,
        cpuBoundPerSecond: cpuBound,
        coresUsed: { ...r.cpu.cores, otherWork: round(other, 2) },
        machineBusyCores: r.cpu.machineBusyCores,
        machineCores: r.cpu.machineCores,
        cpuMsPerServedCall: perCall,
        limitedBy,
      };
    });
}

/** Two halves of one side's measurement as one run: rates over the summed time, counts summed. */
function mergeRuns(a: ContentionRun, b: ContentionRun): ContentionRun {
  const seconds = a.cpu.seconds + b.cpu.seconds;
  const weighted = (x: number, y: number) =>
    round((x * a.cpu.seconds + y * b.cpu.seconds) / Math.max(0.001, seconds), 2);
  const statuses: Record<string, number> = { ...a.statuses };
  for (const [status, n] of Object.entries(b.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const total = Math.max(
    1,
    Object.values(statuses).reduce((sum, n) => sum + n, 0),
  );
  const cores: Record<string, number> = {};
  for (const name of new Set([...Object.keys(a.cpu.cores), ...Object.keys(b.cpu.cores)]))
    cores[name] = weighted(a.cpu.cores[name] ?? 0, b.cpu.cores[name] ?? 0);
  return {
    clients: a.clients,
    conflicts: a.conflicts,
    servedPerSecond: round(weighted(a.servedPerSecond, b.servedPerSecond), 1),
    refusedShare: round((statuses['503'] ?? 0) / total, 4),
    statuses,
    p50Ms: round((a.p50Ms + b.p50Ms) / 2, 1),
    p99Ms: Math.max(a.p99Ms, b.p99Ms),
    store: {
      transactionConflicts: a.store.transactionConflicts + b.store.transactionConflicts,
      itemConflicts: a.store.itemConflicts + b.store.itemConflicts,
      maxHeldItems: Math.max(a.store.maxHeldItems, b.store.maxHeldItems),
      transactWrites: a.store.transactWrites + b.store.transactWrites,
      batchGets: a.store.batchGets + b.store.batchGets,
    },
    cpu: {
      seconds: round(seconds, 2),
      cores,
      machineBusyCores: weighted(a.cpu.machineBusyCores, b.cpu.machineBusyCores),
      machineCores: Math.max(a.cpu.machineCores, b.cpu.machineCores),
    },
  };
}
