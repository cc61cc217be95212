/**
 * `npm run bench [-- --quick]`: what users pay for, measured on this machine against DynamoDB Local.
 *
 * - token endpoint latency (client_secret_basic, private_key_jwt) and access-token verification cost
 * - brokered lookup throughput and latency (autocannon, in a separate process) beside the store's own
 *   limit for the same two operations (the record+counters read and the ledger transaction) issued directly
 * - the gateway process's CPU per brokered call, and store round trips per call counted at the SDK
 *
 * Absolute numbers drift on a shared 2-core machine; the ratio to the store limit, taken in the same run,
 * is the figure that matters. Results go to bench/results.json and a table on stdout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startLocalGateway } from '../local/host';
import { readWithUsage } from '../shared/ledger/broker';
import { counterNames, Ledger, ledgerKeys } from '../shared/ledger/ledger';
import { periodOf } from '../shared/ledger/period';
import { registryKeys } from '../shared/registry/model';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
const seconds = quick ? 8 : 20;
const connections = 16;
const say = (line: string) => process.stderr.write(`${line}\n`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function timeSequential(n: number, fn: () => Promise<void>) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 0.5)), p99Ms: round(percentile(times, 0.99)) };
}

say('Starting the local gateway with DynamoDB Local (in memory)...');
const gateway = await startLocalGateway({
  env: {
    ...process.env,
    PORT: '0',
    IN_MEMORY: '1',
    LOG_LEVEL: 'silent',
    SEED_CITIZENS: '0',
    SEED_BUSINESSES: '0',
    // In AWS the sealer is its own scheduled function: keep its work out of the gateway's CPU figure.
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

try {
  const adminSecret = gateway.bootstrap.clientSecret!;
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const tokenFor = async (id: string, secret: string) => {
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { ...form, Authorization: basic(id, secret) },
      body: 'grant_type=client_credentials',
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };
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
  const agency = await api('POST', '/admin/agencies', { code: 'BENCH', name: 'Cơ quan đo hiệu năng' });
  await api('PUT', `/admin/agencies/${agency.id}/entitlements`, {
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
  });
  await api('POST', '/admin/plans', {
    code: 'BENCH',
    name: 'Không giới hạn (đo hiệu năng)',
    rateLimit: { perSecond: 10_000, burst: 100_000 },
    monthlyQuota: 100_000_000,
    includedCalls: 0,
    monthlyFeeVnd: 0,
    unitPricesVnd: { 'citizen:read': 500 },
  });
  await api('PUT', `/admin/agencies/${agency.id}/plan`, { planCode: 'BENCH' });
  const secretClient = await api('POST', `/admin/agencies/${agency.id}/credentials`, {
    scopes: ['citizen:read'],
  });
  const pair = await generateKeyPair('ES256', { extractable: true });
  const jwtClient = await api('POST', `/admin/agencies/${agency.id}/credentials`, {
    scopes: ['citizen:read'],
    publicJwk: await exportJWK(pair.publicKey),
  });

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
    await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    });
  });

  const token = await tokenFor(secretClient.clientId as string, secretClient.clientSecret as string);
  const verifications = quick ? 2000 : 10_000;
  const verifyStart = performance.now();
  for (let i = 0; i < verifications; i++) await deps.tokens.verify(token);
  const verifyUs = round(((performance.now() - verifyStart) * 1000) / verifications, 1);

  const path = '/v1/citizens/001099012345';
  const headers = { Authorization: `Bearer ${token}`, 'X-Purpose': '1.001' };
  const autocannon = (duration: number) =>
    new Promise<{
      requests: { average: number; total: number };
      latency: { p50: number; p99: number };
      non2xx: number;
    }>((resolve, reject) => {
      const args = ['-c', String(connections), '-d', String(duration), '-j'];
      for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
      const child = spawn(
        process.execPath,
        ['node_modules/autocannon/autocannon.js', ...args, `${url}${path}`],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('exit', () => {
        try {
          resolve(JSON.parse(out));
        } catch (error) {
          reject(error);
        }
      });
    });

  say(`Warming up (${quick ? 3 : 8} s)...`);
  await autocannon(quick ? 3 : 8);

  say(`Brokered lookups, ${connections} connections, ${seconds} s...`);
  sends = 0;
  const cpuBefore = process.cpuUsage();
  const brokered = await autocannon(seconds);
  const cpu = process.cpuUsage(cpuBefore);
  const served = brokered.requests.total;
  const cpuMsPerCall = round((cpu.user + cpu.system) / 1000 / Math.max(1, served), 3);
  const roundTripsPerCall = round(sends / Math.max(1, served), 2);

  say(`The store's own limit for the same read and transaction, ${connections} in flight, ${seconds} s...`);
  const { agencyId, clientId, policyVersion } = {
    agencyId: agency.id as string,
    clientId: secretClient.clientId as string,
    policyVersion: (await deps.control.getAgency(agency.id as string))!.policyVersion,
  };
  const limits = { plan: 'BENCH', v: 1, q: 100_000_000, r: 10_000, b: 100_000 };
  const ledger = new Ledger(deps.store, deps.tables, deps.logger);
  let direct = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const at = new Date();
        await readWithUsage(
          deps.store,
          deps.tables,
          agencyId,
          limits,
          at,
          registryKeys.citizen('001099012345'),
        );
        await ledger.commit({
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
        });
        direct += 1;
      }
    }),
  );
  const storeRps = round(direct / seconds, 0);

  say('Statement generation at 1k and 1M metered calls (it reads counters, not entries)...');
  const financeClient = await api('POST', '/admin/agencies/ag_platform/credentials', {
    scopes: ['billing:read'],
  });
  const financeToken = await tokenFor(financeClient.clientId as string, financeClient.clientSecret as string);
  const { period } = periodOf(new Date());
  const statementAt = async (calls: number) => {
    const a = await api('POST', '/admin/agencies', { code: `STMT-${calls}`, name: `Đo bảng kê ${calls}` });
    await api('PUT', `/admin/agencies/${a.id}/plan`, { planCode: 'BENCH' });
    // The counters exactly as the ledger leaves them after `calls` served calls.
    await deps.store.send(
      new PutCommand({
        TableName: deps.tables.ledger,
        Item: {
          ...ledgerKeys.counter(a.id as string, period),
          agencyId: a.id,
          period,
          calls,
          billable: calls,
          [counterNames.opCalls('citizen:read')]: calls,
          [counterNames.opBillable('citizen:read', 'BENCH', 1)]: calls,
        },
      }),
    );
    return timeSequential(quick ? 20 : 50, async () => {
      const response = await fetch(`${url}/billing/statements/${period}?agency=${a.id}`, {
        headers: { Authorization: `Bearer ${financeToken}` },
      });
      if (response.status !== 200) throw new Error(`statement: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    });
  };
  const statementSmall = await statementAt(1_000);
  const statementLarge = await statementAt(1_000_000);

  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {}
  const results = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, quick },
    commit,
    token: { clientSecretBasic: tokenSecret, privateKeyJwt: tokenJwt, verifyMicroseconds: verifyUs },
    brokered: {
      rps: round(brokered.requests.average, 0),
      p50Ms: brokered.latency.p50,
      p99Ms: brokered.latency.p99,
      non2xx: brokered.non2xx,
    },
    storeLimit: { rps: storeRps },
    ratioToStoreLimit: round(brokered.requests.average / Math.max(1, storeRps), 2),
    cpuMsPerCall: { brokered: cpuMsPerCall },
    roundTripsPerCall,
    statement: {
      small: statementSmall.p50Ms,
      large: statementLarge.p50Ms,
      ratio: round(statementLarge.p50Ms / Math.max(0.01, statementSmall.p50Ms), 2),
    },
  };
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  const rows: [string, string][] = [
    ['token (client_secret_basic) p50 / p99', `${tokenSecret.p50Ms} / ${tokenSecret.p99Ms} ms`],
    ['token (private_key_jwt) p50 / p99', `${tokenJwt.p50Ms} / ${tokenJwt.p99Ms} ms`],
    ['access-token verification', `${verifyUs} µs`],
    [
      'brokered lookups',
      `${results.brokered.rps} req/s (p50 ${brokered.latency.p50} ms, p99 ${brokered.latency.p99} ms)`,
    ],
    ["store's own limit (same read + transaction)", `${storeRps} ops/s`],
    ['ratio to the store limit', String(results.ratioToStoreLimit)],
    ['gateway CPU per brokered call', `${cpuMsPerCall} ms`],
    ['store round trips per call', String(roundTripsPerCall)],
    [
      'statement p50 at 1k / 1M metered calls',
      `${statementSmall.p50Ms} / ${statementLarge.p50Ms} ms (ratio ${results.statement.ratio})`,
    ],
  ];
  process.stdout.write(
    `\n${rows.map(([k, v]) => `${k.padEnd(46)} ${v}`).join('\n')}\n\nWritten to bench/results.json\n`,
  );
  if (brokered.non2xx > 0) say(`warning: ${brokered.non2xx} non-2xx answers during the run`);
} finally {
  await gateway.stop();
}
