import type { Caller } from '../auth/caller';
import { BudgetGuard } from '../billing/budget';
import type { GatewayDeps } from '../deps';
import { NotFoundError, PaymentRequiredError } from '../errors';
import type { Operation } from '../identity/model';
import {
  type Authorization,
  authorizeLive,
  type CallReading,
  fingerprint,
  readForCall,
} from '../ledger/broker';
import {
  FAILED_VERIFICATIONS_PER_HOUR,
  Ledger,
  usageHeaders,
  type VerificationGuard,
  verificationGuard,
} from '../ledger/ledger';
import { type Disclosure, minimise, type Verification } from './disclosure';
import { withoutKeys } from './hosted';
import type { Business } from './model';
import { businessRecord, type RecordKind } from './operations';
import type { BusinessSearch, RegisterProviders } from './provider';

/** Who asks, and what their request says about the call: the registry headers, parsed. */
export interface BrokeredCall {
  caller: Caller;
  requestId: string;
  purpose: string;
  officerId?: string | undefined;
  caseId?: string | undefined;
  idempotencyKey?: string | undefined;
}

/** A served call: what the caller may be told, and the headers that go with the answer. */
export interface Served {
  auth: Authorization;
  /** Usage (RateLimit, X-Quota-Remaining), the receipt (X-Audit-Leaf) and Idempotent-Replayed on a replay. */
  headers: Record<string, string>;
}

/** What the ledger is told of a call besides who made it. */
interface Metered {
  subject?: string | undefined;
  target?: string | undefined;
  status: number;
  asked: unknown;
  verification?: { guard: VerificationGuard; failed: boolean } | undefined;
}

/**
 * Brokers registry calls, whatever the register: authorize from the token (scope, entitlement, purpose), read
 * the record with the usage counters (one BatchGetItem for a hosted register; a custodian only once the token
 * is known live), meter the call (a miss too, as a non-billable 404), and only then disclose, minimised.
 * Nothing is answered unless its ledger entry (and with it its audit record) is written.
 */
export class Broker {
  private readonly ledger: Ledger;
  private readonly budget: BudgetGuard;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly providers: RegisterProviders,
  ) {
    this.ledger = new Ledger(deps.store, deps.tables, deps.logger);
    this.budget = new BudgetGuard(
      deps.store,
      deps.tables.ledger,
      deps.plans,
      deps.config.BILLING_VAT_PERCENT,
    );
  }

  /** One record by its key, disclosed to the fields both asked for (`fields`) and entitled. */
  async lookup<R extends object, K extends keyof R & string>(
    call: BrokeredCall,
    operation: Operation,
    kind: RecordKind<R, K>,
    subject: string,
    fields: readonly string[] | undefined,
  ): Promise<Served & Disclosure<R> & { data: Pick<R, K> }> {
    const asked = { [kind.keyField]: subject, fields };
    const { auth, record, headers } = await this.serve(call, operation, kind, subject, asked);
    return { auth, headers, ...minimise(record, kind, fields, auth.fields) };
  }

  /**
   * Whether claims about a record hold, never its values: `check` gives the verdict before the write, whose
   * transaction names the agency's failed-verification guard for the subject.
   */
  async verify<R extends object>(
    call: BrokeredCall,
    operation: Operation,
    kind: RecordKind<R>,
    subject: string,
    claims: unknown,
    check: (record: R, auth: Authorization) => Verification,
  ): Promise<Served & { verdict: Verification }> {
    const { auth, headers, verdict } = await this.serve(
      call,
      operation,
      kind,
      subject,
      { [kind.keyField]: subject, claims },
      check,
    );
    return { auth, headers, verdict: verdict! };
  }

  /** A page of a business search, each record disclosed; `withheld` is every field held back on the page. */
  async search(
    call: BrokeredCall,
    query: BusinessSearch & { fields?: readonly string[] | undefined },
    target: string,
  ): Promise<
    Served & {
      items: (Partial<Business> & Pick<Business, 'enterpriseCode'>)[];
      cursor?: string | undefined;
      withheld: string[];
    }
  > {
    const auth = await this.authorize(call, 'business:search');
    const at = this.deps.now();
    const { fields, ...search } = query;
    const [page, reading] = await Promise.all([
      this.providers.business.searchBusinesses(search),
      this.read(call, auth, at),
    ]);
    const headers = await this.meter(call, auth, at, reading, {
      target,
      status: 200,
      asked: { ...search, fields },
    });
    const withheld = new Set<string>();
    const items = page.items.map((record) => {
      const disclosed = minimise(record, businessRecord, fields, auth.fields);
      for (const field of disclosed.withheld) withheld.add(field);
      return disclosed.data;
    });
    return { auth, headers, items, cursor: page.cursor, withheld: [...withheld] };
  }

  private authorize(call: BrokeredCall, operation: Operation): Promise<Authorization> {
    return authorizeLive(this.deps.control, call.caller, operation, call.purpose);
  }

  /** The first round trip: liveness, the usage lanes and, when the register is hosted here, the record. */
  private read(call: BrokeredCall, auth: Authorization, at: Date, key?: Record<string, string>) {
    return readForCall(
      this.deps.store,
      this.deps.tables,
      this.ledger,
      { ...call.caller, policyVersion: auth.policyVersion, limits: auth.limits, at },
      key,
    );
  }

  /** authorize, read, meter (a miss as a 404 that is metered, then thrown with the usage headers). */
  private async serve<R extends object>(
    call: BrokeredCall,
    operation: Operation,
    kind: RecordKind<R>,
    subject: string,
    asked: unknown,
    check?: (record: R, auth: Authorization) => Verification,
  ): Promise<Served & { record: R; verdict?: Verification | undefined }> {
    const auth = await this.authorize(call, operation);
    const at = this.deps.now();
    let record: R | undefined;
    let reading: CallReading;
    const source = kind.source(this.providers);
    if (source.kind === 'hosted') {
      reading = await this.read(call, auth, at, kind.tableKey(subject));
      record = reading.record ? withoutKeys<R>(reading.record) : undefined;
    } else {
      // The custodian is asked only once the token is known to be live: a revoked caller reaches no register.
      reading = await this.read(call, auth, at);
      record = await source.get(subject);
    }
    const verdict = record && check ? check(record, auth) : undefined;
    const headers = await this.meter(call, auth, at, reading, {
      subject,
      status: record ? 200 : 404,
      asked,
      // Failed: a compared claim was false (a withheld field is not compared).
      verification: verdict && {
        guard: verificationGuard(call.caller.agencyId, subject, at, FAILED_VERIFICATIONS_PER_HOUR),
        failed: Object.values(verdict.fields).some((same) => !same),
      },
    });
    if (!record) {
      const error = new NotFoundError(kind.missing(subject));
      Object.assign(error.headers, headers);
      throw error;
    }
    return { auth, headers, record, verdict };
  }

  /**
   * Writes the ledger entry; nothing is answered unless it succeeds. Returns the usage headers and the receipt
   * (`X-Audit-Leaf`: the leaf hash of the audit record this call wrote).
   */
  private async meter(
    call: BrokeredCall,
    auth: Authorization,
    at: Date,
    reading: CallReading,
    metered: Metered,
  ): Promise<Record<string, string>> {
    const { caller } = call;
    // Refused past an enforced budget cap; a 404 (not billable) still counts as a call, so it is refused too.
    // A retry of a call already counted costs nothing more: it goes on to the ledger, which replays it.
    await this.budget.check(auth, caller.agencyId, at).catch(async (error: unknown) => {
      if (!(error instanceof PaymentRequiredError) || !call.idempotencyKey) throw error;
      if (!(await this.ledger.counted(caller.agencyId, at, call.idempotencyKey))) throw error;
    });
    const result = await this.ledger.commit(
      {
        requestId: call.requestId,
        idempotencyKey: call.idempotencyKey,
        at,
        clientId: caller.clientId,
        agencyId: caller.agencyId,
        policyVersion: auth.policyVersion,
        limits: auth.limits,
        operation: auth.operation,
        purpose: auth.purpose,
        officerId: call.officerId,
        caseId: call.caseId,
        subject: metered.subject,
        target: metered.target,
        // The status too: a key first used on a miss cannot later fetch the record unbilled.
        fingerprint: fingerprint({
          operation: auth.operation,
          purpose: auth.purpose,
          asked: metered.asked,
          status: metered.status,
        }),
        status: metered.status,
        covertUntil: auth.covertUntil,
        verification: metered.verification,
      },
      reading.lanes,
    );
    const headers: Record<string, string> = {
      ...usageHeaders(auth.limits, result.usage, at),
      'X-Audit-Leaf': result.leafHash,
    };
    if (result.outcome === 'replayed') headers['Idempotent-Replayed'] = 'true';
    return headers;
  }
}
