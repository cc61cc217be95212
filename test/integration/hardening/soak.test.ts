import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { statementRoute } from '../../../functions/billing/routes';
import { type ServiceStore, type ServiceStoreStats, startServiceStore } from '../../../local/service-store';
import { type Entitlement, OPERATIONS, type Operation, type Scope } from '../../../shared/identity/model';
import type { PlanInput } from '../../../shared/identity/plans';
import { periodOf } from '../../../shared/ledger/period';
import { scanAll } from '../../../shared/storage/paginate';
import { issuedCredentialOf, wholeAnswerTo } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

/**
 * Concurrency soak: four agencies on four different plans call every register operation at once, through
 * the real app over DynamoDB Local, while an admin revokes a credential, suspends and reactivates an agency,
 * publishes a new plan version and narrows entitlements. Afterwards the client's own tally, the counters,
 * the ledger entries, the audit log and the statements must agree exactly.
 *
 * The same soak runs in a conflict mode too: through local/service-store.ts, which cancels transactions the
 * way the DynamoDB service does when another in flight names one of their items, and answers in the
 * service's time (TransactWriteItems 25 ms, other calls 7 ms). DynamoDB Local alone never cancels one, so
 * only this mode makes the agencies' concurrent calls meet on their lanes and take the ledger's conflict
 * retries.
 *
 * `SOAK_SECONDS` sets the duration (default 18 s, so `npm test` stays fast; `npm run soak` runs 120 s).
 * `SOAK_STORE=local` or `SOAK_STORE=service` runs only that store for that long; unset, both run, the
 * conflict mode for at most SERVICE_SHORT_SECONDS.
 */
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 18);
/**
 * The conflict mode's run beside the DynamoDB Local one (about 23 s more in `npm test` with its setup and
 * checks). On a 2-core machine with nothing else running, its agencies meet every mid-run event and C's quota
 * with room; a machine busy with other work can slow it below that (it then fails on too few calls, not on a
 * miscount).
 */
const SERVICE_SHORT_SECONDS = 15;
type SoakStore = 'local' | 'service';
const SOAK_STORE = process.env.SOAK_STORE;
if (SOAK_STORE !== undefined && SOAK_STORE !== 'local' && SOAK_STORE !== 'service') {
  throw new Error(`SOAK_STORE is local or service, not ${SOAK_STORE}`);
}
const MODES: { store: SoakStore; seconds: number }[] = SOAK_STORE
  ? [{ store: SOAK_STORE, seconds: SOAK_SECONDS }]
  : [
      { store: 'local', seconds: SOAK_SECONDS },
      { store: 'service', seconds: Math.min(SOAK_SECONDS, SERVICE_SHORT_SECONDS) },
    ];
const WORKERS_PER_AGENCY = 3;
const VAT_PERCENT = 10;

/** Mid-run events, as fractions of the run. */
const schedule = { revoke: 0.25, suspend: 0.35, planChange: 0.45, reactivate: 0.55, narrow: 0.65 };

const plans = {
  gov: {
    code: 'SOAK-GOV',
    name: 'Soak: flat prices, included calls',
    rateLimit: { perSecond: 40, burst: 80 },
    monthlyQuota: 1_000_000,
    includedCalls: 50,
    monthlyFeeVnd: 1_500_000,
    unitPricesVnd: {
      'citizen:read': 500,
      'citizen:verify': 300,
      'business:read': 400,
      'business:search': 200,
    },
  },
  prov: {
    code: 'SOAK-PROV',
    name: 'Soak: tight rate, graduated citizen reads',
    rateLimit: { perSecond: 2, burst: 2 },
    monthlyQuota: 1_000_000,
    includedCalls: 0,
    monthlyFeeVnd: 0,
    unitPricesVnd: { 'citizen:verify': 350, 'business:search': 250 },
    tiersVnd: {
      'citizen:read': [{ upTo: 60, priceVnd: 700 }, { upTo: 150, priceVnd: 450 }, { priceVnd: 300 }],
    },
  },
  small: {
    code: 'SOAK-SMALL',
    name: 'Soak: small quota',
    rateLimit: { perSecond: 50, burst: 100 },
    monthlyQuota: 25,
    includedCalls: 15,
    monthlyFeeVnd: 300_000,
    unitPricesVnd: { 'citizen:read': 900, 'citizen:verify': 600 },
    tiersVnd: { 'business:read': [{ upTo: 8, priceVnd: 1_000 }, { priceVnd: 800 }] },
  },
  /** The small plan's next version, published mid-run: more quota, new prices and tiers. */
  smallV2: {
    code: 'SOAK-SMALL',
    name: 'Soak: small quota, version 2',
    rateLimit: { perSecond: 50, burst: 100 },
    monthlyQuota: 50,
    includedCalls: 10,
    monthlyFeeVnd: 350_000,
    unitPricesVnd: { 'citizen:read': 750, 'citizen:verify': 650, 'business:read': 999 },
    tiersVnd: { 'business:read': [{ upTo: 12, priceVnd: 1_100 }, { priceVnd: 700 }] },
  },
  biz: {
    code: 'SOAK-BIZ',
    name: 'Soak: business searches in tiers',
    rateLimit: { perSecond: 30, burst: 60 },
    monthlyQuota: 1_000_000,
    includedCalls: 5,
    monthlyFeeVnd: 800_000,
    unitPricesVnd: { 'business:read': 250 },
    tiersVnd: { 'business:search': [{ upTo: 25, priceVnd: 600 }, { priceVnd: 150 }] },
  },
} satisfies Record<string, PlanInput>;

type AgencyKey = 'A' | 'B' | 'C' | 'D';
const PURPOSE: Record<Operation, string> = {
  'citizen:read': '1.001',
  'citizen:verify': '1.002',
  'business:read': '2.001',
  'business:search': '2.002',
};
const everything: Entitlement[] = OPERATIONS.map((operation) => ({
  operation,
  purposes: [PURPOSE[operation]],
}));

const CITIZENS = [
  { nationalId: '001099012345', fullName: 'Nguyễn Văn An', dateOfBirth: '1999-05-14' },
  { nationalId: '048301000123', fullName: 'Trần Thị Bích', dateOfBirth: '2001-11-02' },
];
const BUSINESSES = ['0401234567', '5701234567'];

/** What a call was, from the client's side. */
type Kind = 'lookup' | 'unknown' | 'verify' | 'business' | 'unknown-business' | 'search' | 'idempotent';

interface Observed {
  agency: AgencyKey;
  clientId: string;
  operation: Operation;
  kind: Kind;
  status: number;
  replayed: boolean;
  /** performance.now() when the request was sent and when its answer arrived. */
  start: number;
  end: number;
  /** From the token the call carried: the plan version that meters it, and the policy version. */
  planRef: string;
  policyVersion: number;
  requestId: string;
  idempotencyKey?: string | undefined;
  limit?: string | undefined;
  detail?: string | undefined;
  /** The receipt the answer carried (X-Audit-Leaf): served calls always, refused ones while recorded. */
  leaf?: string | undefined;
}

interface AdminEvent {
  start: number;
  end: number;
}

/** A client's token, refreshed once when the gateway says it is stale (as an OAuth client library does). */
class TokenHolder {
  token = '';
  private refreshing: Promise<boolean> | undefined;
  constructor(
    private readonly gw: TestGateway,
    readonly clientId: string,
    private readonly secret: string,
  ) {}

  async refresh(): Promise<boolean> {
    this.refreshing ??= this.gw
      .token(this.clientId, this.secret)
      .then((token) => {
        this.token = token;
        return true;
      })
      .catch(() => false)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

async function timed(action: () => Promise<Response>): Promise<AdminEvent> {
  const start = performance.now();
  const response = await action();
  const end = performance.now();
  if (response.status >= 300) throw new Error(`admin action: ${response.status} ${await response.text()}`);
  return { start, end };
}

/** One call of the mix; returns what was observed. */
async function callOnce(
  gw: TestGateway,
  key: AgencyKey,
  holder: TokenHolder,
  operations: Operation[],
): Promise<Observed[]> {
  const operation = operations[Math.floor(Math.random() * operations.length)]!;
  const roll = Math.random();
  const citizen = CITIZENS[Math.floor(Math.random() * CITIZENS.length)]!;
  const unknownId = `001099${String(100_000 + Math.floor(Math.random() * 800_000))}`;
  let kind: Kind;
  let method = 'GET';
  let path: string;
  let body: unknown;
  switch (operation) {
    case 'citizen:read':
      kind = roll < 0.2 ? 'unknown' : 'lookup';
      path = `/v1/citizens/${kind === 'unknown' ? unknownId : citizen.nationalId}?fields=fullName,dateOfBirth`;
      break;
    case 'citizen:verify':
      kind = 'verify';
      method = 'POST';
      path = '/v1/citizens/verify';
      body = roll < 0.2 ? { nationalId: unknownId, fullName: 'Lê Văn Không' } : citizen;
      break;
    case 'business:read': {
      kind = roll < 0.2 ? 'unknown-business' : 'business';
      const code = kind === 'business' ? BUSINESSES[Math.floor(Math.random() * 2)] : '0109999999';
      path = `/v1/businesses/${code}`;
      break;
    }
    case 'business:search':
      kind = 'search';
      path = `/v1/businesses?name=${encodeURIComponent(roll < 0.5 ? 'song han' : 'Hạ Long')}&limit=5`;
      break;
  }
  const idempotent = Math.random() < 0.15;
  const idempotencyKey = idempotent ? `soak-${crypto.randomUUID()}` : undefined;
  const send = async (): Promise<Observed> => {
    const token = holder.token;
    const claims = decodeJwt(token) as { lim: { plan: string; v: number }; pv: number };
    const start = performance.now();
    const response = await gw.call(token, method, path, body, {
      'X-Purpose': PURPOSE[operation],
      'X-Officer-Id': `CB-${key}`,
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    });
    const end = performance.now();
    const text = await response.text();
    const problem = response.headers.get('content-type')?.includes('problem') ? JSON.parse(text) : undefined;
    return {
      agency: key,
      clientId: holder.clientId,
      operation,
      kind: idempotent ? 'idempotent' : kind,
      status: response.status,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      start,
      end,
      planRef: `${claims.lim.plan}@${claims.lim.v}`,
      policyVersion: claims.pv,
      requestId: response.headers.get('x-request-id') ?? '',
      idempotencyKey,
      limit: problem?.limit as string | undefined,
      detail: problem?.detail as string | undefined,
      leaf: response.headers.get('x-audit-leaf') ?? undefined,
    };
  };
  // An idempotent call is sent twice at once, as a client retrying over a flaky network would.
  return idempotent ? Promise.all([send(), send()]) : [await send()];
}

async function worker(
  gw: TestGateway,
  observed: Observed[],
  key: AgencyKey,
  holder: TokenHolder,
  until: number,
): Promise<void> {
  while (performance.now() < until) {
    const operations = OPERATIONS.filter((op) =>
      decodeJwt(holder.token).scope?.toString().split(' ').includes(op),
    );
    if (!operations.length) {
      await holder.refresh();
      await sleep(20);
      continue;
    }
    const results = await callOnce(gw, key, holder, operations);
    observed.push(...results);
    const stale = results.some((r) => r.status === 401 || (r.status === 403 && r.limit === undefined));
    if (stale && !(await holder.refresh())) await sleep(20);
    if (results.some((r) => r.status === 429))
      await sleep(results.some((r) => r.limit === 'monthly-quota') ? 50 : 20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The soak and its checks on one store: DynamoDB Local as it is, or through the store with the service's
 * conflict rules and latencies.
 */
function soak(mode: (typeof MODES)[number]) {
  const SOAK_MS = Math.round(mode.seconds * 1000);
  let serviceStore: ServiceStore | undefined;
  /** What the conflict mode's store did during the run (the calls and the sealer beside them). */
  let storeStats: ServiceStoreStats | undefined;
  let gw: TestGateway;
  let admin: string;
  let finance: string;
  let financeCredential: [string, string];
  const agencies = {} as Record<AgencyKey, { agencyId: string; holders: TokenHolder[] }>;
  const observed: Observed[] = [];
  const events = {} as Record<keyof typeof schedule, AdminEvent>;
  let elapsedMs = 0;
  let sealerRuns = 0;

  beforeAll(async () => {
    if (mode.store === 'service') {
      serviceStore = await startServiceStore({ target: inject('dynamoEndpoint'), transactMs: 25, itemMs: 7 });
    }
    gw = await createTestGateway(serviceStore?.endpoint ?? inject('dynamoEndpoint'));
    admin = await gw.adminToken();
    const fin = await gw.operatorCredential(['billing:read']);
    financeCredential = [fin.clientId, fin.clientSecret];

    for (const plan of [plans.gov, plans.prov, plans.small, plans.biz]) {
      const created = await gw.call(admin, 'POST', '/admin/plans', plan);
      expect(created.status, await created.clone().text()).toBe(201);
    }
    const setup: Record<AgencyKey, { plan: string; entitlements: Entitlement[]; credentials: number }> = {
      A: { plan: plans.gov.code, entitlements: everything, credentials: 2 },
      B: { plan: plans.prov.code, entitlements: everything, credentials: 1 },
      C: { plan: plans.small.code, entitlements: everything, credentials: 1 },
      D: {
        plan: plans.biz.code,
        entitlements: everything.filter((e) => e.operation.startsWith('business')),
        credentials: 1,
      },
    };
    for (const [key, { plan, entitlements, credentials }] of Object.entries(setup) as [
      AgencyKey,
      (typeof setup)[AgencyKey],
    ][]) {
      const scopes = entitlements.map((e) => e.operation) as Scope[];
      const first = await gw.agencyWithCredential({ code: `SOAK-${key}`, entitlements, scopes });
      const assigned = await gw.call(admin, 'PUT', `/admin/agencies/${first.agencyId}/plan`, {
        planCode: plan,
      });
      expect(assigned.status).toBe(200);
      const holders = [new TokenHolder(gw, first.clientId, first.clientSecret)];
      for (let i = 1; i < credentials; i++) {
        const more = await gw.call(admin, 'POST', `/admin/agencies/${first.agencyId}/credentials`, {
          scopes,
        });
        const { clientId, clientSecret } = await issuedCredentialOf(more);
        holders.push(new TokenHolder(gw, clientId, clientSecret));
      }
      for (const holder of holders) expect(await holder.refresh()).toBe(true);
      agencies[key] = { agencyId: first.agencyId, holders };
    }
    // What the conflict mode reports counts the soak's own calls, not the setup's.
    serviceStore?.resetStats();
  }, 120_000);

  afterAll(async () => {
    await serviceStore?.stop();
  });

  describe('concurrency soak', () => {
    beforeAll(async () => {
      const started = performance.now();
      const until = started + SOAK_MS;
      const at = (fraction: number) => sleep(Math.max(0, started + SOAK_MS * fraction - performance.now()));
      const { A, B, C, D } = agencies;

      const admin$ = (async () => {
        await at(schedule.revoke);
        events.revoke = await timed(() =>
          gw.call(admin, 'DELETE', `/admin/credentials/${A.holders[0]!.clientId}`),
        );
        await at(schedule.suspend);
        events.suspend = await timed(() =>
          gw.call(admin, 'PATCH', `/admin/agencies/${B.agencyId}`, { status: 'suspended' }),
        );
        await at(schedule.planChange);
        events.planChange = await timed(() => gw.call(admin, 'POST', '/admin/plans', plans.smallV2));
        await at(schedule.reactivate);
        events.reactivate = await timed(() =>
          gw.call(admin, 'PATCH', `/admin/agencies/${B.agencyId}`, { status: 'active' }),
        );
        await at(schedule.narrow);
        events.narrow = await timed(() =>
          gw.call(admin, 'PUT', `/admin/agencies/${D.agencyId}/entitlements`, {
            entitlements: everything.filter((e) => e.operation === 'business:read'),
          }),
        );
      })();
      // The sealer runs beside the calls, as it does locally (every 2 s) and in AWS (every minute).
      let sealing = true;
      const sealer$ = (async () => {
        while (sealing) {
          await gw.seal();
          sealerRuns += 1;
          await sleep(2_000);
        }
      })();
      const workers = [A, B, C, D].flatMap((agency, i) => {
        const key = (['A', 'B', 'C', 'D'] as const)[i]!;
        return Array.from({ length: WORKERS_PER_AGENCY }, (_, w) =>
          worker(gw, observed, key, agency.holders[w % agency.holders.length]!, until),
        );
      });
      await Promise.all([...workers, admin$]);
      elapsedMs = performance.now() - started;
      storeStats = serviceStore?.stats();
      sealing = false;
      await sealer$;
      // Seal to completion: every record, including the last calls', gets its leaf.
      while ((await gw.seal()).appended > 0) sealerRuns += 1;
      // Tokens live ten minutes: the checks get fresh ones whatever the run's length.
      admin = await gw.adminToken();
      finance = await gw.token(...financeCredential);
    }, SOAK_MS + 180_000);

    const metered = (o: Observed) => (o.status === 200 || o.status === 404) && !o.replayed;
    const served = (o: Observed) => o.status === 200 || o.status === 404;
    const period = () => periodOf(new Date()).period;

    /** Every ledger entry and every audit record in the ledger table, after the run (scanned once). */
    let scanned: ReturnType<typeof scan> | undefined;
    const scanLedger = () => {
      scanned ??= scan();
      return scanned;
    };
    async function scan() {
      const items = await scanAll(gw.deps.store, { TableName: gw.deps.tables.ledger, ConsistentRead: true });
      type Event = {
        id: string;
        at: string;
        action: string;
        actor: { agencyId: string };
        outcome: string;
        status?: number;
        ledger?: { plan: string; planVersion: number; billable: boolean; period: string };
      };
      const audit = items.filter((i) => i.event && i.leafHash) as ({ pk: string; event: Event } & Record<
        string,
        unknown
      >)[];
      // The audit log's leaf items: record id -> leaf index.
      const leaves = new Set(
        items.filter((i) => (i.pk as string).startsWith('LEAF#')).map((i) => (i.pk as string).slice(5)),
      );
      return { audit, leaves, entries: audit.filter((i) => i.pk.startsWith('ENTRY#')) };
    }

    it('prints a summary of the run', () => {
      const count = (f: (o: Observed) => boolean) => observed.filter(f).length;
      const summary = {
        seconds: Math.round(elapsedMs / 100) / 10,
        calls: observed.length,
        callsPerSecond: Math.round((observed.length / elapsedMs) * 10_000) / 10,
        metered: count(metered),
        billable: count((o) => o.status === 200 && !o.replayed),
        replayed: count((o) => o.replayed),
        notFound: count((o) => o.status === 404 && !o.replayed),
        rateLimited: count((o) => o.limit === 'rate'),
        quotaRefused: count((o) => o.limit === 'monthly-quota'),
        unauthorized: count((o) => o.status === 401),
        forbidden: count((o) => o.status === 403),
        refusedShare: Math.round((count((o) => !served(o)) / observed.length) * 1000) / 1000,
        meteredBy: Object.fromEntries(
          (['A', 'B', 'C', 'D'] as const).map((key) => [key, count((o) => o.agency === key && metered(o))]),
        ),
        sealerRuns,
        ...(storeStats
          ? {
              transactWrites: storeStats.requests.TransactWriteItems ?? 0,
              transactionConflicts: storeStats.transactionConflicts,
              itemConflicts: storeStats.itemConflicts,
              transactGetConflicts: storeStats.transactGetConflicts,
            }
          : {}),
      };
      console.log(`soak (${mode.store}): ${JSON.stringify(summary)}`);
      expect(observed.length).toBeGreaterThan(150);
      for (const key of ['A', 'B', 'C', 'D'] as const) {
        expect(observed.filter((o) => o.agency === key && metered(o)).length, key).toBeGreaterThan(10);
      }
      // The conflict mode proves something only if the store did cancel transactions during the run.
      if (storeStats) expect(storeStats.transactionConflicts).toBeGreaterThan(0);
    });

    it('answers no call with a 5xx, and every refusal is a 401, 403 or 429', () => {
      const statuses = [...new Set(observed.map((o) => o.status))].sort();
      expect(observed.filter((o) => o.status >= 500).map((o) => `${o.status} ${o.kind} ${o.detail}`)).toEqual(
        [],
      );
      expect(
        statuses.every((s) => [200, 401, 403, 404, 429].includes(s)),
        statuses.join(','),
      ).toBe(true);
    });

    it('counts exactly: counters = ledger entries = the responses the client saw served, per operation and plan version', async () => {
      const { entries } = await scanLedger();
      for (const key of ['A', 'B', 'C', 'D'] as const) {
        const { agencyId } = agencies[key];
        const mine = observed.filter((o) => o.agency === key && metered(o));
        const [counters, ...others] = await gw.counters(agencyId);
        expect(others, 'one period').toEqual([]);
        expect(counters?.period).toBe(period());
        const ledger = entries.filter((e) => e.event.actor.agencyId === agencyId);
        expect(counters?.calls, `${key} calls`).toBe(mine.length);
        expect(ledger.length, `${key} entries`).toBe(mine.length);
        expect(counters?.billable, `${key} billable`).toBe(mine.filter((o) => o.status === 200).length);
        for (const operation of OPERATIONS) {
          const client = mine.filter((o) => o.operation === operation);
          const entriesOf = ledger.filter((e) => e.event.action === operation);
          expect(counters?.operations[operation]?.calls ?? 0, `${key} ${operation} calls`).toBe(
            client.length,
          );
          expect(entriesOf.length, `${key} ${operation} entries`).toBe(client.length);
          const refs = new Set([
            ...client.map((o) => o.planRef),
            ...Object.keys(counters?.pricing[operation] ?? {}),
          ]);
          for (const ref of refs) {
            const entriesAt = entriesOf.filter(
              (e) => `${e.event.ledger?.plan}@${e.event.ledger?.planVersion}` === ref,
            );
            expect(entriesAt.length, `${key} ${operation} ${ref} entries`).toBe(
              client.filter((o) => o.planRef === ref).length,
            );
            const billableSeen = client.filter((o) => o.planRef === ref && o.status === 200).length;
            const billableEntries = entriesAt.filter((e) => e.event.ledger?.billable).length;
            expect(counters?.pricing[operation]?.[ref] ?? 0, `${key} ${operation} ${ref} counter`).toBe(
              billableSeen,
            );
            expect(billableEntries, `${key} ${operation} ${ref} billable entries`).toBe(billableSeen);
          }
        }
        // Each served response is exactly one ledger entry, by its request id (a replay answers with its own id).
        const entryIds = new Set(ledger.map((e) => e.event.id));
        expect(mine.filter((o) => !entryIds.has(o.requestId)).map((o) => o.requestId)).toEqual([]);
      }
    });

    it('counts an Idempotency-Key once, however many times it was sent at once', () => {
      const byKey = new Map<string, Observed[]>();
      for (const o of observed)
        if (o.idempotencyKey) byKey.set(o.idempotencyKey, [...(byKey.get(o.idempotencyKey) ?? []), o]);
      let replays = 0;
      for (const [key, calls] of byKey) {
        expect(calls.filter(metered).length, key).toBeLessThanOrEqual(1);
        const answered = calls.filter(served);
        replays += answered.filter((o) => o.replayed).length;
        // A replay answers only a key that was counted.
        if (answered.some((o) => o.replayed)) expect(calls.filter(metered).length, key).toBe(1);
      }
      expect(byKey.size).toBeGreaterThan(10);
      expect(replays).toBeGreaterThan(0);
    });

    it('never serves past a quota, and serves exactly the quota once it refused a call for it', async () => {
      for (const key of ['A', 'B', 'C', 'D'] as const) {
        const [counters] = await gw.counters(agencies[key].agencyId);
        const mine = observed.filter((o) => o.agency === key);
        const quotas = new Map<string, number>([
          [`${plans.gov.code}@1`, plans.gov.monthlyQuota],
          [`${plans.prov.code}@1`, plans.prov.monthlyQuota],
          [`${plans.small.code}@1`, plans.small.monthlyQuota],
          [`${plans.small.code}@2`, plans.smallV2.monthlyQuota],
          [`${plans.biz.code}@1`, plans.biz.monthlyQuota],
        ]);
        // Calls metered under a version all found room below that version's quota.
        for (const [ref, quota] of quotas) {
          const before = mine.filter((o) => metered(o) && o.planRef === ref).length;
          expect(before, `${key} ${ref}`).toBeLessThanOrEqual(quota);
        }
        const highest = Math.max(
          ...[...new Set(mine.map((o) => o.planRef))].map((ref) => quotas.get(ref) ?? 0),
        );
        expect(counters?.calls ?? 0).toBeLessThanOrEqual(highest);
        // A refusal under a version means the month's calls had reached its quota; versions only move forward,
        // so the calls metered under it and the versions before it are then exactly that quota.
        const version = (ref: string) => Number(ref.split('@')[1]);
        for (const ref of new Set(mine.filter((o) => o.limit === 'monthly-quota').map((o) => o.planRef))) {
          const upTo = mine.filter((o) => metered(o) && version(o.planRef) <= version(ref)).length;
          expect(upTo, `${key} exhausted ${ref}`).toBe(quotas.get(ref));
        }
      }
      expect(observed.some((o) => o.agency === 'C' && o.limit === 'monthly-quota')).toBe(true);
    });

    it('never lets more than the burst through in one rate window', async () => {
      const { entries } = await scanLedger();
      const limits: Record<string, { r: number; b: number }> = {};
      for (const plan of [plans.gov, plans.prov, plans.small, plans.smallV2, plans.biz]) {
        limits[plan.code] = { r: plan.rateLimit.perSecond, b: plan.rateLimit.burst };
      }
      const windows = new Map<string, number>();
      for (const { event } of entries) {
        const { r, b } = limits[event.ledger!.plan]!;
        const seconds = Math.ceil(b / r);
        const epoch = Math.floor(Date.parse(event.at) / 1000);
        const key = `${event.actor.agencyId}|${epoch - (epoch % seconds)}|${b}`;
        windows.set(key, (windows.get(key) ?? 0) + 1);
      }
      for (const [key, n] of windows) expect(n, key).toBeLessThanOrEqual(Number(key.split('|')[2]));
      expect(observed.some((o) => o.limit === 'rate')).toBe(true);
    });

    it('refuses a revoked credential from the next call on; only calls already in flight were served', () => {
      const revoked = agencies.A.holders[0]!.clientId;
      const calls = observed.filter((o) => o.clientId === revoked);
      const after = calls.filter((o) => o.start > events.revoke.end);
      expect(after.length).toBeGreaterThan(5);
      expect(after.filter((o) => o.status !== 401).map((o) => o.status)).toEqual([]);
      expect(calls.filter((o) => served(o) && o.start > events.revoke.end)).toEqual([]);
      // The agency's other credential kept working.
      const other = observed.filter(
        (o) => o.agency === 'A' && o.clientId !== revoked && o.start > events.revoke.end,
      );
      expect(other.filter(metered).length).toBeGreaterThan(0);
    });

    it('refuses a suspended agency from the next call on, and serves it again once reactivated', () => {
      const calls = observed.filter((o) => o.agency === 'B');
      const during = calls.filter((o) => o.start > events.suspend.end && o.start < events.reactivate.start);
      expect(during.length).toBeGreaterThan(5);
      expect(during.filter((o) => o.status !== 403).map((o) => o.status)).toEqual([]);
      expect(calls.filter((o) => metered(o) && o.start > events.reactivate.end).length).toBeGreaterThan(0);
    });

    it('meters each call with the plan version in force when it was made', () => {
      const calls = observed.filter((o) => o.agency === 'C' && served(o));
      const v1 = `${plans.small.code}@1`;
      expect(calls.filter((o) => o.planRef === v1 && o.start > events.planChange.end)).toEqual([]);
      expect(calls.filter((o) => o.planRef === v1 && o.end < events.planChange.start).length).toBeGreaterThan(
        0,
      );
      expect(calls.filter((o) => o.planRef === `${plans.small.code}@2`).length).toBeGreaterThan(0);
    });

    it('refuses an operation from the call after the entitlement was narrowed', () => {
      const searches = observed.filter((o) => o.agency === 'D' && o.operation === 'business:search');
      expect(searches.filter((o) => served(o) && o.start > events.narrow.end)).toEqual([]);
      expect(searches.filter((o) => served(o) && o.end < events.narrow.start).length).toBeGreaterThan(0);
      const reads = observed.filter((o) => o.agency === 'D' && o.operation === 'business:read');
      expect(reads.filter((o) => metered(o) && o.start > events.narrow.end).length).toBeGreaterThan(0);
    });

    it('seals every record into the audit log, and the log verifies', async () => {
      const { audit, leaves } = await scanLedger();
      const unsealed = audit.filter((i) => !leaves.has(i.event.id as string));
      expect(unsealed.map((i) => i.pk)).toEqual([]);
      const response = await gw.call(admin, 'GET', '/audit/verify');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ ok: true, pending: 0, treeSize: audit.length });
      // Every answer that carried data has its served record, with the receipt the caller got; a refused call
      // has a refused record with its status whenever its answer carried a receipt (at most 20 a credential a
      // minute are recorded one by one), and never a served one.
      const byId = new Map(audit.map((i) => [i.event.id, i]));
      const servedWrong = observed.filter((o) => {
        const record = byId.get(o.requestId);
        return served(o) && (record?.event.outcome !== 'served' || record.leafHash !== o.leaf);
      });
      expect(servedWrong.map((o) => `${o.requestId} ${o.status}`)).toEqual([]);
      const refusedWrong = observed.filter((o) => {
        const record = byId.get(o.requestId);
        if (served(o)) return false;
        if (record?.event.outcome === 'served') return true;
        return o.leaf !== undefined && (record?.event.status !== o.status || record.leafHash !== o.leaf);
      });
      expect(refusedWrong.map((o) => `${o.requestId} ${o.status}`)).toEqual([]);
      // Refusals happened (quota, rate, revocation, suspension), and the first of each minute were recorded.
      expect(observed.filter((o) => !served(o) && o.leaf).length).toBeGreaterThan(0);
    });

    it("prices each agency's statement at exactly its counted billable calls, per plan version", async () => {
      const defs = new Map<string, PlanInput>([
        [`${plans.gov.code}@1`, plans.gov],
        [`${plans.prov.code}@1`, plans.prov],
        [`${plans.small.code}@1`, plans.small],
        [`${plans.small.code}@2`, plans.smallV2],
        [`${plans.biz.code}@1`, plans.biz],
      ]);
      for (const key of ['A', 'B', 'C', 'D'] as const) {
        const mine = observed.filter((o) => o.agency === key && metered(o));
        const response = await gw.call(
          finance,
          'GET',
          `/billing/statements/${period()}?agency=${agencies[key].agencyId}`,
        );
        // Whole: feePlan is compared with toEqual, so an undeclared member must fail, not be dropped.
        const { statement } = await wholeAnswerTo(response, statementRoute);
        const expected = expectedMoney(mine, defs);
        expect(statement.feePlan, key).toEqual(expected.feePlan);
        for (const operation of OPERATIONS) {
          const line = statement.lines.find((l) => l.operation === operation);
          const calls = mine.filter((o) => o.operation === operation);
          expect(line?.calls ?? 0, `${key} ${operation} calls`).toBe(calls.length);
          expect(line?.billable ?? 0, `${key} ${operation} billable`).toBe(
            calls.filter((o) => o.status === 200).length,
          );
          expect(line?.amountVnd ?? 0, `${key} ${operation} amount`).toBe(expected.byOperation[operation]);
        }
        expect(
          {
            usage: statement.usageVnd,
            fee: statement.monthlyFeeVnd,
            vat: statement.vatVnd,
            total: statement.totalVnd,
          },
          key,
        ).toEqual({ usage: expected.usage, fee: expected.fee, vat: expected.vat, total: expected.total });
        expect(statement.plans.map((p) => `${p.code}@${p.version}`).sort()).toEqual(
          [
            ...new Set([
              ...mine.filter((o) => o.status === 200).map((o) => o.planRef),
              `${expected.feePlan.code}@${expected.feePlan.version}`,
            ]),
          ].sort(),
        );
      }
    });
  });

  describe('idempotent retries at the quota and budget edges', () => {
    it('answers a retry of the call that took the last of the quota again, uncounted, even sent at once with others', async () => {
      const admin = await gw.adminToken();
      const plan = {
        ...plans.small,
        code: 'SOAK-EDGE',
        monthlyQuota: 3,
        rateLimit: { perSecond: 50, burst: 100 },
      };
      expect((await gw.call(admin, 'POST', '/admin/plans', plan)).status).toBe(201);
      const agency = await gw.agencyWithCredential({
        code: 'SOAK-EDGE',
        entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
        scopes: ['citizen:read'],
      });
      expect(
        (await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/plan`, { planCode: 'SOAK-EDGE' }))
          .status,
      ).toBe(200);
      const token = await gw.token(agency.clientId, agency.clientSecret);
      const lookup = (key: string) =>
        gw.call(token, 'GET', `/v1/citizens/${CITIZENS[0]!.nationalId}`, undefined, {
          'X-Purpose': '1.001',
          'Idempotency-Key': key,
        });
      // Three keys use the whole quota; each is retried twice while the others are still landing.
      const keys = ['edge-1', 'edge-2', 'edge-3'];
      const first = await Promise.all(keys.flatMap((key) => [lookup(key), lookup(key), lookup(key)]));
      expect(first.map((r) => r.status)).toEqual(Array(9).fill(200));
      expect(first.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(3);
      // The quota is used up: a new key is refused, a retry of a counted one is answered again.
      expect((await lookup('edge-4')).status).toBe(429);
      for (const key of keys) {
        const retry = await lookup(key);
        expect(retry.status, key).toBe(200);
        expect(retry.headers.get('idempotent-replayed'), key).toBe('true');
      }
      const [counters] = await gw.counters(agency.agencyId);
      expect(counters?.calls).toBe(3);
    });

    it('answers a retry of a counted call again once an enforced budget cap is reached, and refuses new calls', async () => {
      const admin = await gw.adminToken();
      const plan = {
        ...plans.small,
        code: 'SOAK-CAP',
        monthlyQuota: 100,
        includedCalls: 0,
        monthlyFeeVnd: 0,
      };
      expect((await gw.call(admin, 'POST', '/admin/plans', plan)).status).toBe(201);
      const agency = await gw.agencyWithCredential({
        code: 'SOAK-CAP',
        entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
        scopes: ['citizen:read'],
      });
      await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/plan`, { planCode: 'SOAK-CAP' });
      // Two calls at 900 VND, VAT 10 %: 1,980 VND reaches a cap of 1,980.
      await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/budget`, {
        capVnd: 1_980,
        enforce: true,
      });
      const token = await gw.token(agency.clientId, agency.clientSecret);
      const lookup = (key: string) =>
        gw.call(token, 'GET', `/v1/citizens/${CITIZENS[0]!.nationalId}`, undefined, {
          'X-Purpose': '1.001',
          'Idempotency-Key': key,
        });
      expect((await lookup('cap-1')).status).toBe(200);
      expect((await lookup('cap-2')).status).toBe(200);
      expect((await lookup('cap-3')).status).toBe(402);
      const retry = await lookup('cap-2');
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      // A key never counted is a new call: still refused.
      expect((await lookup('cap-3')).status).toBe(402);
      const [counters] = await gw.counters(agency.agencyId);
      expect(counters?.calls).toBe(2);
    });
  });
}

for (const mode of MODES) {
  describe(
    mode.store === 'service' ? 'on a store with the service conflict rules' : 'on DynamoDB Local',
    () => soak(mode),
  );
}

/**
 * The money a statement must show, recomputed call by call from the plan definitions: the fee plan is the
 * version of the agency's last metered call; its included calls are used up in catalogue order, and within an
 * operation by plan version; then each chargeable call pays the price of the tier its position in the month
 * falls in, under the version that metered it.
 */
function expectedMoney(calls: Observed[], defs: Map<string, PlanInput>) {
  const last = calls.reduce((a, b) => (b.start > a.start ? b : a));
  const [feeCode, feeVersion] = last.planRef.split('@') as [string, string];
  const feePlan = defs.get(last.planRef)!;
  let allowance = feePlan.includedCalls;
  const byOperation = {} as Record<Operation, number>;
  let usage = 0;
  for (const operation of OPERATIONS) {
    const billable = calls.filter((o) => o.operation === operation && o.status === 200);
    const refs = [...new Set(billable.map((o) => o.planRef))].sort((a, b) => {
      const [ca, va] = a.split('@');
      const [cb, vb] = b.split('@');
      return ca === cb ? Number(va) - Number(vb) : ca! < cb! ? -1 : 1;
    });
    let position = 0;
    let amount = 0;
    for (const ref of refs) {
      const plan = defs.get(ref)!;
      for (let i = 0; i < billable.filter((o) => o.planRef === ref).length; i++) {
        if (allowance > 0) {
          allowance -= 1;
          continue;
        }
        const tiers = (plan.tiersVnd as Record<string, { upTo?: number; priceVnd: number }[]> | undefined)?.[
          operation
        ];
        const price = tiers
          ? tiers.find((t) => t.upTo === undefined || position < t.upTo)!.priceVnd
          : ((plan.unitPricesVnd as Record<string, number>)[operation] ?? 0);
        amount += price;
        position += 1;
      }
    }
    byOperation[operation] = amount;
    usage += amount;
  }
  const fee = feePlan.monthlyFeeVnd;
  const subtotal = usage + fee;
  // Half up to the đồng, in integers.
  const vat = Math.floor((subtotal * VAT_PERCENT * 2 + 100) / 200);
  return {
    feePlan: { code: feeCode, version: Number(feeVersion) },
    byOperation,
    usage,
    fee,
    vat,
    total: subtotal + vat,
  };
}
