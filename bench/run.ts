/**
 * `npm run bench [-- --quick]`: what users pay for, measured on this machine against DynamoDB Local.
 *
 * 1. Brokered call throughput and latency (autocannon, in its own process) beside the store's own limit for
 *    the same two operations (record+counters read, ledger transaction) issued straight to DynamoDB Local.
 * 2. The gateway process's CPU per brokered call, and per call of a bare record-read route (no auth, no
 *    ledger) served by the same process: the difference is what the gateway adds.
 * 3. Store round trips per brokered call, counted at the SDK.
 * 4. Cold start of every Lambda bundle as `cdk synth` builds it: bytes, and import + first request in a fresh
 *    Node process.
 * 5. Scale: business search at a small and a large register, statements at 1k and 1M metered calls.
 * 6. A peer: fast-gateway (key auth + rate limit + proxy to the bare route), side by side.
 * 7. Capacity: the read and write units one brokered call consumes (as DynamoDB Local reports them, per table and
 *    index) beside the item sizes, and the AWS cost per million brokered calls at published prices (prices.ts).
 * 8. Contention (issue 13): one agency at 8, 32 and 128 concurrent clients through the conflict-faithful store at
 *    the service's latencies, beside the same runs without conflict rules; the old one-lane shape; exactness.
 * 9. The audit log (issue 14): append rate and store writes per record, inclusion proofs at a small and a large tree.
 * Plus token endpoint latency and access-token verification cost.
 *
 * Absolute numbers drift on a shared 2-core machine; ratios taken in the same run are the figures that matter.
 * Results go to bench/results.json (the shape of issue 7) and a table on stdout. Never part of `npm test`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startLocalGateway } from '../local/host';
import { progressBar, seedSyntheticRegisters } from '../local/synthetic';
import { readForCall } from '../shared/ledger/broker';
import { counterNames } from '../shared/ledger/counters';
import { laneShare } from '../shared/ledger/lanes';
import { Ledger } from '../shared/ledger/ledger';
import { periodOf } from '../shared/ledger/period';
import { laneKeys } from '../shared/storage/keys/ledger';
import { registryKeys } from '../shared/storage/keys/registry';
import { runAuditBench } from './audit';
import { brokeredCallCapacity, meterStore } from './capacity';
import {
  type ColdStart,
  coldStart,
  type FirstRequest,
  type FunctionName,
  synthesizeBundles,
} from './cold-start';
import { runContention } from './contention';
import { descendantsNamed } from './cpu';
import { benchSearches, cpuPerCall, load, round, timeSequential } from './load';
import {
  costAssumptions,
  costPerMillion,
  PRICES_TAKEN_ON,
  priceSources,
  regionPrices,
  unverifiedPrices,
} from './prices';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
const seconds = quick ? 6 : 20;
const connections = 16;
const searchSizes = quick ? { small: 2_000, large: 20_000 } : { small: 10_000, large: 200_000 };
const targets = {
  ratioToStoreLimit: 0.8,
  cpuMsPerBrokeredCall: 1,
  roundTripsPerCall: 2,
  bundleBytes: 500_000,
  firstResponseMs: 150,
  contentionRefusedShare: 0.01,
  contentionRatioToBaseline: 0.9,
  auditWritesPerRecord: 1.1,
  // "Near 1": taken here as at most 1.5 (a tree 100 times larger adds one tile level to read).
  proofRatio: 1.5,
};
const say = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();

const scratch = mkdtempSync(join(tmpdir(), 'ndg-bench-'));
const keysFile = join(scratch, 'signing-keys.json');

say('Starting the local gateway with DynamoDB Local (in memory)...');
const gateway = await startLocalGateway({
  env: {
    ...process.env,
    PORT: '0',
    IN_MEMORY: '1',
    LOG_LEVEL: 'silent',
    SEED_CITIZENS: '0',
    DEMO_AGENCY: '0',
    SEED_BUSINESSES: '0',
    // A key file, so the cold-started bundles verify the tokens this gateway signs.
    SIGNING_KEYS_FILE: keysFile,
    // In AWS the sealer is its own function, fed by the ledger table's stream: keep its work out of the gateway's
    // CPU figure.
    AUDIT_SEAL_INTERVAL_MS: '0',
  },
  progress: say,
});
const { url, deps } = gateway;
let sends = 0;
deps.store.middlewareStack.add(
  (next) => async (args) => {
    sends += 1;
    return next(args);
  },
  { step: 'initialize', name: 'countRoundTrips' },
);

// The bare route: the same record read with nothing around it, served by this same process.
const bareApp = new Hono();
bareApp.get('/bare/citizens/:id', async (c) => {
  const { Item } = await deps.store.send(
    new GetCommand({ TableName: deps.tables.registry, Key: registryKeys.citizen(c.req.param('id')) }),
  );
  return Item ? c.json(Item) : c.json({ title: 'Not Found' }, 404);
});
const bareServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: bareApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const barePort = (bareServer.address() as { port: number }).port;
const bareUrl = `http://127.0.0.1:${barePort}`;

let peer: ReturnType<typeof spawn> | undefined;
let cleanupSynth: (() => void) | undefined;

try {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const tokenFor = async (id: string, secret: string) => {
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { ...form, Authorization: basic(id, secret) },
      body: 'grant_type=client_credentials',
    });
    if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const adminSecret = gateway.bootstrap.clientSecret!;
  const admin = await tokenFor(gateway.bootstrap.clientId, adminSecret);
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  // Entitlements name catalogue purposes only: the one every bench agency (contention's too) is entitled to.
  await api('PUT', '/admin/purposes/1.001', {
    name: 'Thủ tục đo hiệu năng',
    legalBasis: 'Không áp dụng (đo hiệu năng)',
  });
  const agency = await api('POST', '/admin/agencies', { code: 'BENCH', name: 'Cơ quan đo hiệu năng' });
  await api('PUT', `/admin/agencies/${agency.id}/entitlements`, {
    entitlements: [
      { operation: 'citizen:read', purposes: ['1.001'] },
      { operation: 'business:search', purposes: ['1.001'] },
    ],
  });
  await api('POST', '/admin/plans', {
    code: 'BENCH',
    name: 'Không giới hạn (đo hiệu năng)',
    rateLimit: { perSecond: 10_000, burst: 100_000 },
    monthlyQuota: 100_000_000,
    includedCalls: 0,
    monthlyFeeVnd: 0,
    unitPricesVnd: { 'citizen:read': 500, 'business:search': 300 },
  });
  await api('PUT', `/admin/agencies/${agency.id}/plan`, { planCode: 'BENCH' });
  const secretClient = await api('POST', `/admin/agencies/${agency.id}/credentials`, {
    scopes: ['citizen:read'],
  });
  const searchClient = await api('POST', `/admin/agencies/${agency.id}/credentials`, {
    scopes: ['business:search'],
  });
  const pair = await generateKeyPair('ES256', { extractable: true });
  const jwtClient = await api('POST', `/admin/agencies/${agency.id}/credentials`, {
    scopes: ['citizen:read'],
    publicJwk: await exportJWK(pair.publicKey),
  });
  const platformClient = await api('POST', '/admin/agencies/ag_platform/credentials', {
    scopes: ['billing:read', 'audit:read'],
  });
  const platformToken = await tokenFor(
    platformClient.clientId as string,
    platformClient.clientSecret as string,
  );

  say('Token endpoint latency...');
  const n = quick ? 30 : 100;
  const tokenSecret = await timeSequential(n, async () => {
    await tokenFor(secretClient.clientId as string, secretClient.clientSecret as string);
  });
  const tokenJwt = await timeSequential(n, async () => {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(jwtClient.clientId as string)
      .setSubject(jwtClient.clientId as string)
      .setAudience(`${deps.config.TOKEN_ISSUER}/oauth/token`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(pair.privateKey);
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    });
    if (response.status !== 200) throw new Error(`private_key_jwt: ${response.status}`);
  });

  say('Access-token verification (first sight, then repeated)...');
  const subject = {
    clientId: 'ndgc_bench',
    agencyId: agency.id as string,
    scopes: ['citizen:read'],
    policyVersion: 1,
    entitlements: {},
    limits: { plan: 'BENCH', planVersion: 1, monthlyQuota: 1, ratePerSecond: 1, burst: 1 },
  };
  const fresh = await Promise.all(
    Array.from({ length: quick ? 500 : 2000 }, async () => (await deps.tokens.issue(subject)).token),
  );
  let t = performance.now();
  for (const token of fresh) await deps.tokens.verify(token);
  const verifyFirstUs = round(((performance.now() - t) * 1000) / fresh.length, 1);
  t = performance.now();
  for (const token of fresh) await deps.tokens.verify(token);
  const verifyRepeatUs = round(((performance.now() - t) * 1000) / fresh.length, 1);

  const token = await tokenFor(secretClient.clientId as string, secretClient.clientSecret as string);
  const agencyId = agency.id as string;
  const { period } = periodOf(new Date());
  // Before any load: the sealer's first run then seals only the set-up's records, as on a quiet schedule.
  say('Cold start: cdk synth, then each bundle in a fresh Node process...');
  const synth = await synthesizeBundles();
  cleanupSynth = synth.cleanup;
  const bundleEnv = {
    CONTROL_TABLE: deps.tables.control,
    REGISTRY_TABLE: deps.tables.registry,
    LEDGER_TABLE: deps.tables.ledger,
    DYNAMODB_ENDPOINT: gateway.dynamoEndpoint,
    TOKEN_ISSUER: deps.config.TOKEN_ISSUER,
    TOKEN_AUDIENCE: deps.config.TOKEN_AUDIENCE,
    SIGNING_KEYS_FILE: keysFile,
    AWS_REGION: 'ap-southeast-1',
    // Lambda always provides the execution role's credentials in the environment.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    LOG_LEVEL: 'silent',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
  const firstRequests: Record<Exclude<FunctionName, 'sealer'>, FirstRequest> = {
    token: {
      method: 'POST',
      path: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(secretClient.clientId as string, secretClient.clientSecret as string),
      },
      body: 'grant_type=client_credentials',
      expect: 200,
    },
    registry: {
      method: 'GET',
      path: '/v1/citizens/001099012345',
      headers: { ...bearer(token), 'x-purpose': '1.001' },
      expect: 200,
    },
    admin: { method: 'GET', path: '/admin/agencies', headers: bearer(admin), expect: 200 },
    billing: {
      method: 'GET',
      path: `/billing/statements/${period}`,
      query: { agency: agencyId },
      headers: bearer(platformToken),
      expect: 200,
    },
    audit: { method: 'GET', path: '/audit/verify', headers: bearer(platformToken), expect: 200 },
  };
  const bundles: Partial<Record<FunctionName, ColdStart>> = {};
  for (const [name, dir] of Object.entries(synth.dirs) as [FunctionName, string][]) {
    bundles[name] = await coldStart(dir, name === 'sealer' ? 'stream' : firstRequests[name], bundleEnv);
    say(`  ${name}: ${bundles[name]!.bytes} bytes, first response ${bundles[name]!.firstResponseMs} ms`);
  }

  const brokeredUrl = `${url}/v1/citizens/001099012345`;
  const brokeredHeaders = { Authorization: `Bearer ${token}`, 'X-Purpose': '1.001' };

  say(`Warming up (${quick ? 3 : 8} s)...`);
  await load(brokeredUrl, { connections, seconds: quick ? 3 : 8, headers: brokeredHeaders });
  await load(`${bareUrl}/bare/citizens/001099012345`, { connections, seconds: 2 });

  say(`Bare record-read route, ${connections} connections, ${seconds} s...`);
  const bare = await cpuPerCall(() =>
    load(`${bareUrl}/bare/citizens/001099012345`, { connections, seconds }),
  );

  say(`Brokered lookups, ${connections} connections, ${seconds} s...`);
  sends = 0;
  const brokered = await cpuPerCall(() =>
    load(brokeredUrl, { connections, seconds, headers: brokeredHeaders }),
  );
  // Includes the sends of the calls still in flight when the load stopped (not in `total`): an upper bound.
  const roundTripsUnderLoad = round(sends / Math.max(1, brokered.result.total), 2);

  say(`The store's own limit for the same read and transaction, ${connections} in flight, ${seconds} s...`);
  const clientId = secretClient.clientId as string;
  const benchAgency = (await deps.control.getAgency(agencyId))!;
  const { policyVersion } = benchAgency;
  // What the token carries: the plan's limits and the agency's lane count.
  const limits = {
    plan: 'BENCH',
    planVersion: benchAgency.planVersion ?? 1,
    monthlyQuota: 100_000_000,
    ratePerSecond: 10_000,
    burst: 100_000,
    lanes: benchAgency.ledgerLanes,
  };
  const ledger = new Ledger(deps.store, deps.tables, deps.logger);
  let direct = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const at = new Date();
        // The same two round trips as a brokered call: one BatchGetItem (credential and agency consistently, the
        // record, two month lanes, two window lanes), then the 3-item transaction.
        const reading = await readForCall(
          deps.store,
          deps.tables,
          ledger,
          { clientId, agencyId, policyVersion, limits, at },
          registryKeys.citizen('001099012345'),
        );
        await ledger.commit(
          {
            requestId: randomUUID(),
            at,
            clientId,
            agencyId,
            policyVersion,
            limits,
            operation: 'citizen:read',
            purpose: '1.001',
            subject: '001099012345',
            fingerprint: 'bench',
            status: 200,
          },
          reading.lanes,
        );
        direct += 1;
      }
    }),
  );
  const storeRps = round(direct / seconds, 0);

  const capacityCalls = quick ? 20 : 50;
  say(
    `Capacity: ${capacityCalls} brokered calls one at a time, every command asked for its consumed capacity...`,
  );
  const meter = meterStore(deps.store);
  Object.assign(meter.state, { counting: true, capacity: true, sampling: true });
  for (let i = 0; i < capacityCalls; i++) {
    const response = await fetch(brokeredUrl, { headers: brokeredHeaders });
    if (response.status !== 200)
      throw new Error(`brokered call: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }
  Object.assign(meter.state, { counting: false, capacity: false, sampling: false });
  const capacity = await brokeredCallCapacity(meter, capacityCalls, deps.store, deps.tables);
  // Exact: calls one at a time, every store request counted.
  const roundTripsPerCall = round(
    Object.values(capacity.requestsPerCall).reduce((sum, n) => sum + n, 0),
    2,
  );

  say('The peer: fast-gateway with key auth, rate limit and a proxy to the bare route...');
  const peerKey = randomUUID();
  peer = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/peer.ts', '--upstream', bareUrl, '--key', peerKey],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const peerPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    peer!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    peer!.once('exit', (code) => reject(new Error(`the peer exited (${code}) before listening`)));
  });
  const peerUrl = `http://127.0.0.1:${peerPort}/v1/citizens/001099012345`;
  await load(peerUrl, { connections, seconds: 2, headers: { 'x-api-key': peerKey } });
  const peerRun = await load(peerUrl, { connections, seconds, headers: { 'x-api-key': peerKey } });
  if (peerRun.non2xx > 0) say(`warning: the peer answered ${peerRun.non2xx} non-2xx`);
  peer.kill();

  say('Statement generation at 1k and 1M metered calls (it reads counters, not entries)...');
  const statementAt = async (calls: number) => {
    const a = await api('POST', '/admin/agencies', { code: `STMT-${calls}`, name: `Đo bảng kê ${calls}` });
    await api('PUT', `/admin/agencies/${a.id}/plan`, { planCode: 'BENCH' });
    const owner = (await deps.control.getAgency(a.id as string))!;
    const lanes = owner.ledgerLanes ?? 4;
    const version = owner.planVersion ?? 1;
    // The month lanes exactly as the ledger leaves them after `calls` served calls spread over the lanes.
    const items = Array.from({ length: lanes }, (_, lane) => laneShare(calls, lanes, lane))
      .map((n, lane) => ({
        ...laneKeys.month(a.id as string, period, lane),
        agencyId: a.id,
        period,
        calls: n,
        billable: n,
        [counterNames.opCalls('citizen:read')]: n,
        [counterNames.opBillable('citizen:read', 'BENCH', version)]: n,
        [counterNames.planCalls('BENCH', version)]: n,
      }))
      .filter((item) => item.calls > 0);
    for (let i = 0; i < items.length; i += 25) {
      let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const { UnprocessedItems } = await deps.store.send(
          new BatchWriteCommand({ RequestItems: { [deps.tables.ledger]: pending } }),
        );
        pending = (UnprocessedItems?.[deps.tables.ledger] ?? []) as typeof pending;
      }
    }
    const statement = async () => {
      const response = await fetch(`${url}/billing/statements/${period}?agency=${a.id}`, {
        headers: { Authorization: `Bearer ${platformToken}` },
      });
      if (response.status !== 200) throw new Error(`statement: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    const timing = await timeSequential(quick ? 20 : 50, statement);
    // One more, counted: what one statement asks of the store (it reads the lanes of this and earlier periods).
    meter.reset();
    Object.assign(meter.state, { counting: true, capacity: true, sampling: true });
    await statement();
    Object.assign(meter.state, { counting: false, capacity: false, sampling: false });
    const counted = meter.totals();
    const keysRead = meter
      .samples()
      .filter((s) => s.operation === 'BatchGetItem')
      .flatMap((s) => Object.values(s.input.RequestItems as Record<string, { Keys: unknown[] }>))
      .reduce((sum, request) => sum + request.Keys.length, 0);
    return {
      ...timing,
      lanes,
      requests: counted.requests,
      keysRead,
      // Eventually consistent reads of small items: half a unit per key on the service, found or not.
      rcuByRules: keysRead / 2,
      rcuReportedByDynamoDbLocal: round(
        Object.values(counted.read).reduce((sum, n) => sum + n, 0),
        1,
      ),
    };
  };
  const statementSmall = await statementAt(1_000);
  const statementLarge = await statementAt(1_000_000);

  const searchToken = await tokenFor(searchClient.clientId as string, searchClient.clientSecret as string);
  const searchAt = async (size: number) => {
    const bar = progressBar(`Seeding the business register to ${size.toLocaleString('en-US')}`);
    const seeded = await seedSyntheticRegisters(deps.store, deps.tables.registry, {
      citizens: 0,
      businesses: size,
      concurrency: 16,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish(seeded.items);
    const runs = quick ? 60 : 300;
    return timeSequential(runs, async (i) => {
      const query = new URLSearchParams(benchSearches[i % benchSearches.length]).toString();
      const response = await fetch(`${url}/v1/businesses?${query}`, {
        headers: { Authorization: `Bearer ${searchToken}`, 'X-Purpose': '1.001' },
      });
      if (response.status !== 200) throw new Error(`search: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    });
  };
  const searchSmall = await searchAt(searchSizes.small);
  const searchLarge = await searchAt(searchSizes.large);

  const contention = await runContention(
    {
      dynamoEndpoint: gateway.dynamoEndpoint,
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'silent',
        SEED_CITIZENS: '0',
        DEMO_AGENCY: '0',
        SEED_BUSINESSES: '0',
        SIGNING_KEYS_FILE: keysFile,
        // The tokens are the main gateway's: each gateway started here would otherwise be its own issuer (its own
        // origin, local/origin.ts) and refuse them all with 401, measuring nothing.
        TOKEN_ISSUER: url,
        AUDIT_SEAL_INTERVAL_MS: '0',
        BOOTSTRAP_ADMIN_CLIENT_ID: gateway.bootstrap.clientId,
        BOOTSTRAP_ADMIN_CLIENT_SECRET: adminSecret,
      },
      store: deps.store,
      tables: deps.tables,
      api,
      tokenFor,
      jvmPids: descendantsNamed(process.pid, 'java'),
      say,
    },
    // Refusals come after a call's 6 s of attempts: runs shorter than that could not show them.
    { seconds: quick ? 8 : 20, clients: [8, 32, 128], oneLaneClients: quick ? [32] : [8, 32, 128] },
  );

  const audit = await runAuditBench({
    appendRecords: quick ? 10_000 : 100_000,
    batch: 1_000,
    proofLeaves: quick ? { small: 1_000, large: 100_000 } : { small: 10_000, large: 1_000_000 },
    buildBatch: 10_000,
    proofSamples: quick ? 100 : 300,
    keys: deps.keys,
    issuer: deps.config.TOKEN_ISSUER,
    say,
  });

  const measuredCall = {
    rcu: capacity.rcu.total,
    wcu: capacity.wcu.total,
    gatewayCpuMs: brokered.cpuMsPerCall,
    sealer: {
      // Plus the consistent read of each record's leaf key before it is appended (de-duplication): 1 unit on the
      // service even for a key not found, which DynamoDB Local does not charge.
      rcu: round(audit.append.rcuPerRecord + 1, 4),
      wcu: audit.append.wcuPerRecord,
      cpuMs: audit.append.cpuMsPerRecord,
    },
  };
  const costPerMillionCalls = Object.fromEntries(
    regionPrices.map((prices) => [prices.region, costPerMillion(prices, measuredCall)]),
  );

  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {}
  const ratioToStoreLimit = round(brokered.result.rps / Math.max(1, storeRps), 2);
  const results = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      quick,
      seconds,
      connections,
    },
    commit,
    brokered: { rps: brokered.result.rps, p50Ms: brokered.result.p50Ms, p99Ms: brokered.result.p99Ms },
    storeLimit: { rps: storeRps },
    ratioToStoreLimit,
    cpuMsPerCall: { brokered: brokered.cpuMsPerCall, bare: bare.cpuMsPerCall },
    roundTripsPerCall,
    bundles: Object.fromEntries(
      Object.entries(bundles).map(([name, b]) => [
        name,
        { bytes: b.bytes, firstResponseMs: b.firstResponseMs },
      ]),
    ),
    search: { small: searchSmall.p50Ms, large: searchLarge.p50Ms },
    statement: { small: statementSmall.p50Ms, large: statementLarge.p50Ms },
    peer: {
      name: 'fast-gateway 5.0.1 (key auth + express-rate-limit + proxy)',
      rps: peerRun.rps,
      p99Ms: peerRun.p99Ms,
    },
    contention: contention.rows,
    capacity: {
      perCall: {
        rcu: capacity.rcu,
        wcu: capacity.wcu,
        itemBytes: capacity.itemBytes,
      },
    },
    costPerMillionCalls,
    audit: {
      append: {
        records: audit.append.records,
        recordsPerSecond: audit.append.recordsPerSecond,
        writesPerRecord: audit.append.writesPerRecord,
        transactionsPerRecord: audit.append.transactionsPerRecord,
      },
      proof: {
        small: { leaves: audit.proof.small.leaves, p50Ms: audit.proof.small.p50Ms },
        large: { leaves: audit.proof.large.leaves, p50Ms: audit.proof.large.p50Ms },
        ratio: audit.proof.ratio,
      },
    },
    targets,
    details: {
      bare: { rps: bare.result.rps, p50Ms: bare.result.p50Ms, p99Ms: bare.result.p99Ms },
      brokeredNon2xx: brokered.result.non2xx,
      roundTrips: {
        perCall: capacity.requestsPerCall,
        underLoad: roundTripsUnderLoad,
        note: 'roundTripsPerCall counts every store request of brokered calls made one at a time; underLoad divides the sends during the load run by the calls answered, so it also counts the calls still in flight when the load stopped',
      },
      peerP50Ms: peerRun.p50Ms,
      token: { clientSecretBasic: tokenSecret, privateKeyJwt: tokenJwt },
      verifyMicroseconds: { firstSight: verifyFirstUs, repeated: verifyRepeatUs },
      coldStart: bundles,
      search: {
        sizes: searchSizes,
        small: searchSmall,
        large: searchLarge,
        ratio: round(searchLarge.p50Ms / searchSmall.p50Ms),
      },
      statement: {
        calls: { small: 1_000, large: 1_000_000 },
        ratio: round(statementLarge.p50Ms / statementSmall.p50Ms),
        lanes: statementLarge.lanes,
        perStatement: {
          requests: statementLarge.requests,
          keysRead: statementLarge.keysRead,
          rcuByRules: statementLarge.rcuByRules,
          rcuReportedByDynamoDbLocal: statementLarge.rcuReportedByDynamoDbLocal,
        },
      },
      storeLimitPath:
        'readForCall (one BatchGetItem: credential + agency consistently, the record, two month and two window lanes) then Ledger.commit (one 3-item TransactWriteItems), straight to DynamoDB Local',
      contention: contention.details,
      capacity,
      cost: {
        pricesTakenOn: PRICES_TAKEN_ON,
        prices: regionPrices,
        assumptions: costAssumptions,
        measuredPerCall: measuredCall,
        notes: [
          "DynamoDB: one brokered call's read and write units by DynamoDB's rules from the item sizes measured here (table and both indexes; details.capacity also has what DynamoDB Local reported), at on-demand prices; the audit sealer's units as DynamoDB Local reported them (plain writes, which it reports by the rules).",
          `Lambda: ${costAssumptions.lambdaMemoryMb} MB arm64; billed duration = the gateway CPU per brokered call measured here (a floor) + the published p50s of the two store round trips (${costAssumptions.firstRoundTripMs} ms and ${costAssumptions.transactionMs} ms), rounded up to the millisecond; plus the per-request price.`,
          'API Gateway: REST API, first price tier.',
          `WAF: per request, plus one web ACL and ${costAssumptions.wafRules} rules a month spread over ${costAssumptions.monthlyCalls.toLocaleString('en-US')} brokered calls a month.`,
          `Audit sealing: the sealer's store units and CPU per record measured by the audit bench, ${costAssumptions.sealerBatch}-record invocations waiting ${costAssumptions.sealerRoundTripsPerBatch} sequential round trips of ${costAssumptions.sealerRoundTripMs} ms each; stream reads by a Lambda event source mapping are not charged.`,
          `Not included: storage (each call's entry item, ${capacity.itemBytes.entry} bytes plus its index entries, and its leaf item stay), CloudWatch logs and metrics, data transfer out, token requests.`,
        ],
      },
      audit,
      noise:
        'Measured on a shared 2-core machine while other work ran: absolute figures are noisy; ratios taken in the same run are the figures that matter.',
      seconds: round((performance.now() - started) / 1000, 0),
    },
  };
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);

  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const largestBundle = Math.max(...Object.values(bundles).map((b) => b.bytes));
  const slowestStart = Math.max(...Object.values(bundles).map((b) => b.firstResponseMs));
  const rows: [string, string, string][] = [
    [
      'brokered lookups',
      `${brokered.result.rps} req/s, p50 ${brokered.result.p50Ms} ms, p99 ${brokered.result.p99Ms} ms`,
      '',
    ],
    ["store's own limit (same read + transaction)", `${storeRps} ops/s`, ''],
    ['ratio to the store limit', String(ratioToStoreLimit), `>= 0.8: ${mark(ratioToStoreLimit >= 0.8)}`],
    [
      'gateway CPU per brokered call',
      `${brokered.cpuMsPerCall} ms`,
      `< 1 ms: ${mark(brokered.cpuMsPerCall < 1)}`,
    ],
    ['gateway CPU per bare read call', `${bare.cpuMsPerCall} ms (${bare.result.rps} req/s)`, ''],
    [
      'store round trips per brokered call',
      String(roundTripsPerCall),
      `2: ${mark(roundTripsPerCall <= 2.05)}`,
    ],
    ['largest bundle', `${largestBundle} bytes`, `< 500 KB: ${mark(largestBundle < 500_000)}`],
    ['slowest cold first response', `${slowestStart} ms`, `< 150 ms: ${mark(slowestStart < 150)}`],
    [
      `search p50 at ${searchSizes.small} / ${searchSizes.large} businesses`,
      `${searchSmall.p50Ms} / ${searchLarge.p50Ms} ms`,
      `ratio ${results.details.search.ratio}`,
    ],
    [
      'statement p50 at 1k / 1M metered calls',
      `${statementSmall.p50Ms} / ${statementLarge.p50Ms} ms`,
      `ratio ${results.details.statement.ratio}; ${statementLarge.requests.BatchGetItem ?? 0} BatchGetItem, ${statementLarge.keysRead} keys, ~${statementLarge.rcuByRules} RCU a statement`,
    ],
    ['peer: fast-gateway', `${peerRun.rps} req/s, p99 ${peerRun.p99Ms} ms`, 'no metering, audit or purpose'],
    ['token (client_secret_basic) p50 / p99', `${tokenSecret.p50Ms} / ${tokenSecret.p99Ms} ms`, ''],
    ['token (private_key_jwt) p50 / p99', `${tokenJwt.p50Ms} / ${tokenJwt.p99Ms} ms`, ''],
    ['access-token verification first / repeated', `${verifyFirstUs} / ${verifyRepeatUs} µs`, ''],
    ...contention.rows.map((row): [string, string, string] => {
      const ratio = round(row.servedPerSecond / Math.max(0.1, row.baselinePerSecond), 2);
      const ok =
        row.refusedShare < targets.contentionRefusedShare && ratio >= targets.contentionRatioToBaseline;
      return [
        `contention, ${row.clients} clients (${contention.details.lanes} lanes)`,
        `${row.servedPerSecond}/s served, ${round(row.refusedShare * 100, 2)}% refused; ${row.baselinePerSecond}/s without conflicts`,
        `< 1% and >= 0.9x (${ratio}x): ${mark(ok)}`,
      ];
    }),
    ...contention.details.bottleneck.map((b): [string, string, string] => [
      `  what limits ${b.clients} clients`,
      b.limitedBy,
      '',
    ]),
    ...contention.details.oneLane.rows.map((row): [string, string, string] => [
      `  old shape (1 lane), ${row.clients} clients`,
      `${row.servedPerSecond}/s served, ${round(row.refusedShare * 100, 1)}% refused; ${row.baselinePerSecond}/s without conflicts`,
      '',
    ]),
    [
      'exactness: 200 calls at once, quota 50',
      `${contention.details.exactness.served} served, ${contention.details.exactness.counted} counted, ${contention.details.exactness.entries} entries, ${contention.details.exactness.refused503} 503s`,
      `exact, no 503: ${mark(contention.details.exactness.exact)}`,
    ],
    [
      'capacity per brokered call (rules x sizes)',
      `${capacity.rcu.total} RCU, ${capacity.wcu.total} WCU (${Object.entries(capacity.wcu.byTableAndIndex)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
      `DynamoDB Local reports ${capacity.reportedByDynamoDbLocal.rcu.total} RCU, ${capacity.reportedByDynamoDbLocal.wcu.total} WCU`,
    ],
    [
      'item sizes (bytes)',
      Object.entries(capacity.itemBytes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      '',
    ],
    ...Object.entries(costPerMillionCalls).map(([region, cost]): [string, string, string] => [
      `AWS cost per million calls, ${region}`,
      `$${cost.usd.toFixed(2)} (${Object.entries(cost.breakdown)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')})`,
      cost.allPricesVerified
        ? `prices of ${PRICES_TAKEN_ON}`
        : `prices of ${PRICES_TAKEN_ON}, some UNVERIFIED`,
    ]),
    [
      `audit append, ${audit.append.records.toLocaleString('en-US')} records`,
      `${audit.append.recordsPerSecond} records/s, ${audit.append.writesPerRecord} writes/record, ${audit.append.transactionsPerRecord} tx/record`,
      `<= 1.1 writes: ${mark(audit.append.writesPerRecord <= targets.auditWritesPerRecord)}`,
    ],
    [
      `inclusion proof p50 at ${audit.proof.small.leaves.toLocaleString('en-US')} / ${audit.proof.large.leaves.toLocaleString('en-US')} leaves`,
      `${audit.proof.small.p50Ms} / ${audit.proof.large.p50Ms} ms (tree built in ${audit.build.seconds} s)`,
      `ratio ${audit.proof.ratio}, near 1: ${mark(audit.proof.ratio <= targets.proofRatio)}`,
    ],
  ];
  process.stdout.write(
    `\n${rows.map(([k, v, note]) => `${k.padEnd(46)} ${v.padEnd(60)} ${note}`).join('\n')}\n\n` +
      `Prices taken ${PRICES_TAKEN_ON} from: ${priceSources().join(', ')}\n` +
      `Not read but derived or bounded (see details.cost.prices):\n  ${unverifiedPrices().join('\n  ')}` +
      '\nShared 2-core machine: absolute figures are noisy; compare ratios taken in the same run.\n' +
      `Written to bench/results.json (${results.details.seconds} s)\n`,
  );
  if (brokered.result.non2xx > 0) say(`warning: ${brokered.result.non2xx} non-2xx answers during the run`);
} finally {
  peer?.kill();
  cleanupSynth?.();
  await new Promise<void>((done) => bareServer.close(() => done()));
  await gateway.stop();
  rmSync(scratch, { recursive: true, force: true });
}
