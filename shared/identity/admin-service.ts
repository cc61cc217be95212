import { randomBytes } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import type { AuditEvent } from '../audit/model';
import type { AuditTrail } from '../audit/trail';
import { BadRequestError, ConflictError, LastAdminCredentialError, NotFoundError } from '../errors';
import { DEFAULT_LANES, lanesFor } from '../ledger/lanes';
import type { Page } from '../storage/cursor';
import { isDependencyUnavailable } from '../storage/errors';
import { TRANSIENT_RETRY, withRetry } from '../storage/retry';
import {
  type Agency,
  type AgencyStatus,
  assertionAlgorithms,
  type Credential,
  type CredentialView,
  type Entitlement,
  mayHoldScope,
  OPERATIONS,
  type Operation,
  PLATFORM_AGENCY_ID,
  type Scope,
  toCredentialView,
} from './model';
import type { Plan, PlanInput, PlanRepository } from './plans';
import { type Purpose, type PurposeInput, PurposeInputSchema, type PurposeRepository } from './purposes';
import type { ControlRepository } from './repository';
import { generateSecret, hashSecret } from './secrets';

export { PLATFORM_AGENCY_ID };

export interface AdminServiceDeps {
  control: ControlRepository;
  plans: PlanRepository;
  purposes: PurposeRepository;
  audit: AuditTrail;
  keys: SigningKeyRotation;
  now: () => Date;
  secretOverlapSeconds: number;
  /** The quota of an agency with no plan (DEFAULT_MONTHLY_QUOTA). */
  defaultMonthlyQuota: number;
  /** Re-caps an agency's lanes for the period of `at` when its quota or lane count changes (ledger capLanes). */
  capLanes: (
    agencyId: string,
    at: Date,
    limits: { monthlyQuota: number; lanes: number },
    lanesBefore: number,
  ) => Promise<unknown>;
}

/**
 * The rotation of the gateway's token signing keys (SigningKeys in shared/auth/keys.ts): `beforeSave` runs with
 * the new kid once it is published and before it is installed.
 */
export interface SigningKeyRotation {
  rotate(
    beforeSave: (change: { kid: string; previousKid?: string | undefined }) => Promise<void>,
  ): Promise<{ kid: string; previousKid?: string | undefined }>;
}

/** Who did it (the caller, or the local seed) and under which request: every admin action is audited with it. */
export interface AdminContext {
  caller: AuditEvent['actor'];
  requestId: string;
}

/**
 * Platform administration: agencies, credentials, entitlements, signing keys. Every change is written in the
 * same transaction as its audit record (actor, action, target, before/after; never a secret or its hash).
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  private event(
    ctx: AdminContext,
    action: string,
    target: string,
    before: unknown,
    after: unknown,
  ): AuditEvent {
    return {
      id: ctx.requestId,
      at: this.deps.now().toISOString(),
      kind: 'admin-action',
      actor: { clientId: ctx.caller.clientId, agencyId: ctx.caller.agencyId },
      action,
      target,
      outcome: 'done',
      before,
      after,
    };
  }

  async createAgency(ctx: AdminContext, input: { code: string; name: string }): Promise<Agency> {
    const now = this.deps.now().toISOString();
    const agency: Agency = {
      id: `ag_${randomBytes(8).toString('hex')}`,
      code: input.code,
      name: input.name.normalize('NFC').trim(),
      status: 'active',
      policyVersion: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.control.createAgency(agency, [
      this.deps.audit.putFor(this.event(ctx, 'agency.create', agency.id, null, agency)),
    ]);
    return agency;
  }

  listAgencies(limit: number, cursor?: string): Promise<Page<Agency>> {
    return this.deps.control.listAgencies(limit, cursor);
  }

  async getAgency(id: string): Promise<Agency> {
    const agency = await this.deps.control.getAgency(id);
    if (!agency) throw new NotFoundError(`There is no agency ${id}.`);
    return agency;
  }

  /** Renames, suspends or reactivates. A status change bumps the policy version: live tokens stop at once. */
  async updateAgency(
    ctx: AdminContext,
    id: string,
    patch: { name?: string; status?: AgencyStatus },
  ): Promise<Agency> {
    const before = await this.getAgency(id);
    if (id === PLATFORM_AGENCY_ID && patch.status === 'suspended') {
      throw new ConflictError(
        'The platform operator agency cannot be suspended: nobody could administer the gateway.',
      );
    }
    const statusChanged = patch.status !== undefined && patch.status !== before.status;
    const after: Agency = {
      ...before,
      ...(patch.name !== undefined ? { name: patch.name.normalize('NFC').trim() } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      policyVersion: before.policyVersion + (statusChanged ? 1 : 0),
      updatedAt: this.deps.now().toISOString(),
    };
    const action = statusChanged
      ? after.status === 'suspended'
        ? 'agency.suspend'
        : 'agency.reactivate'
      : 'agency.update';
    await this.deps.control.saveAgency(after, before.updatedAt, [
      this.deps.audit.putFor(this.event(ctx, action, id, before, after)),
    ]);
    return after;
  }

  async getEntitlements(agencyId: string): Promise<Entitlement[]> {
    const { agency, entitlements } = await this.deps.control.getAgencyWithEntitlements(agencyId);
    if (!agency) throw new NotFoundError(`There is no agency ${agencyId}.`);
    return entitlements;
  }

  /** Replaces the entitlements; tokens minted under the old ones stop working on their next call. */
  async putEntitlements(
    ctx: AdminContext,
    agencyId: string,
    entitlements: Entitlement[],
  ): Promise<Entitlement[]> {
    const { agency, entitlements: before } = await this.deps.control.getAgencyWithEntitlements(agencyId);
    if (!agency) throw new NotFoundError(`There is no agency ${agencyId}.`);
    const seen = new Set<string>();
    for (const e of entitlements) {
      if (seen.has(e.operation)) throw new BadRequestError(`Operation ${e.operation} is listed twice.`);
      seen.add(e.operation);
    }
    await this.assertCatalogued(entitlements);
    const after: Agency = {
      ...agency,
      policyVersion: agency.policyVersion + 1,
      updatedAt: this.deps.now().toISOString(),
    };
    await this.deps.control.saveEntitlements(after, agency.updatedAt, entitlements, [
      this.deps.audit.putFor(this.event(ctx, 'entitlements.replace', agencyId, before, entitlements)),
    ]);
    return entitlements;
  }

  /**
   * Entitlements name catalogue purposes only (read consistently: a purpose added just before counts). Entitlements
   * saved before the catalogue existed keep working: calls check the entitlement, never the catalogue.
   */
  private async assertCatalogued(entitlements: Entitlement[]): Promise<void> {
    const codes = new Set(entitlements.flatMap((e) => e.purposes));
    const known = new Set((await this.deps.purposes.get(codes, true)).map((p) => p.code));
    const unknown = [...codes].filter((code) => !known.has(code)).sort();
    if (unknown.length) {
      throw new BadRequestError(
        `${unknown.length === 1 ? 'Purpose' : 'Purposes'} ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the purpose catalogue: add ${unknown.length === 1 ? 'it' : 'them'} under /admin/purposes first (PUT /admin/purposes/{code}).`,
        { extensions: { unknownPurposes: unknown } },
      );
    }
  }

  listPurposes(): Promise<Purpose[]> {
    return this.deps.purposes.list();
  }

  async getPurpose(code: string): Promise<Purpose> {
    const [purpose] = await this.deps.purposes.get([code], true);
    if (!purpose) throw new NotFoundError(`There is no purpose ${code} in the catalogue.`);
    return purpose;
  }

  /**
   * Creates or updates a catalogue entry (audited with before/after). An update that changes nothing writes
   * nothing, not even an audit record. Entries are never deleted: entitlements and closed statements name them.
   */
  async putPurpose(
    ctx: AdminContext,
    code: string,
    input: PurposeInput,
  ): Promise<{ purpose: Purpose; created: boolean }> {
    // The API's own schema (idempotent: the route has applied it already); the local seed gets the same rule.
    const parsed = PurposeInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new BadRequestError('A purpose needs a name of 1-200 characters and a legal basis of 1-500.');
    }
    const { name, legalBasis } = parsed.data;
    const [before] = await this.deps.purposes.get([code], true);
    if (before && before.name === name && before.legalBasis === legalBasis) {
      return { purpose: before, created: false };
    }
    const now = this.deps.now().toISOString();
    const purpose: Purpose = { code, name, legalBasis, createdAt: before?.createdAt ?? now, updatedAt: now };
    await this.deps.purposes.save(purpose, before?.updatedAt, [
      this.deps.audit.putFor(
        this.event(ctx, before ? 'purpose.update' : 'purpose.create', code, before ?? null, purpose),
      ),
    ]);
    return { purpose, created: !before };
  }

  /** Issues a credential: a secret shown this once, or a registered public JWK (private_key_jwt, no secret). */
  async issueCredential(
    ctx: AdminContext,
    agencyId: string,
    input: { scopes: Scope[]; publicJwk?: Record<string, unknown> | undefined },
  ): Promise<{ credential: CredentialView; clientSecret?: string }> {
    const { agency, entitlements } = await this.deps.control.getAgencyWithEntitlements(agencyId);
    if (!agency) throw new NotFoundError(`There is no agency ${agencyId}.`);
    const scopes = [...new Set(input.scopes)];
    const platformOnly = scopes.filter((s) => !mayHoldScope(agencyId, s));
    if (platformOnly.length) {
      throw new BadRequestError(
        `Only the platform operator agency may hold ${platformOnly.join(', ')}: these scopes read or change every agency's data.`,
      );
    }
    const entitled = new Set(entitlements.map((e) => e.operation));
    const unentitled = scopes.filter(
      (s) => OPERATIONS.includes(s as Operation) && !entitled.has(s as Operation),
    );
    if (unentitled.length) {
      throw new BadRequestError(
        `Agency ${agency.code} is not entitled to ${unentitled.join(', ')}: set its entitlements first (a credential is never wider than its agency).`,
      );
    }
    const publicJwk = input.publicJwk ? await validatePublicJwk(input.publicJwk) : undefined;
    const now = this.deps.now().toISOString();
    const clientSecret = publicJwk ? undefined : generateSecret();
    const credential: Credential = {
      clientId: `ndgc_${randomBytes(10).toString('hex')}`,
      agencyId,
      scopes,
      status: 'active',
      authMethod: publicJwk ? 'private_key_jwt' : 'client_secret',
      secrets: clientSecret ? [{ hash: await hashSecret(clientSecret), createdAt: now }] : [],
      ...(publicJwk ? { publicJwk } : {}),
      createdAt: now,
      updatedAt: now,
    };
    const view = toCredentialView(credential);
    await this.deps.control.putCredential(credential, undefined, [
      this.deps.audit.putFor(this.event(ctx, 'credential.issue', credential.clientId, null, view)),
    ]);
    return { credential: view, ...(clientSecret ? { clientSecret } : {}) };
  }

  async listCredentials(agencyId: string): Promise<CredentialView[]> {
    await this.getAgency(agencyId);
    return (await this.deps.control.listCredentials(agencyId)).map(toCredentialView);
  }

  private async getCredential(clientId: string): Promise<Credential> {
    const credential = await this.deps.control.getCredential(clientId);
    if (!credential) throw new NotFoundError(`There is no credential ${clientId}.`);
    return credential;
  }

  /**
   * A new secret; the previous one keeps working until the overlap ends, so agencies can roll their
   * deployments without downtime. Older retired secrets are dropped.
   */
  async rotateCredential(
    ctx: AdminContext,
    clientId: string,
    overlapSeconds = this.deps.secretOverlapSeconds,
  ): Promise<{ credential: CredentialView; clientSecret: string; previousSecretExpiresAt: string }> {
    const before = await this.getCredential(clientId);
    if (before.status !== 'active')
      throw new ConflictError(`Credential ${clientId} is revoked; issue a new one.`);
    if (before.authMethod !== 'client_secret') {
      throw new ConflictError(
        `Credential ${clientId} uses private_key_jwt: rotate the key pair and register a new credential.`,
      );
    }
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + overlapSeconds * 1000).toISOString();
    const current = before.secrets.find((s) => !s.expiresAt);
    const clientSecret = generateSecret();
    const after: Credential = {
      ...before,
      secrets: [
        { hash: await hashSecret(clientSecret), createdAt: now.toISOString() },
        ...(current ? [{ ...current, expiresAt }] : []),
      ],
      updatedAt: now.toISOString(),
    };
    const view = toCredentialView(after);
    await this.deps.control.putCredential(after, before.updatedAt, [
      this.deps.audit.putFor(this.event(ctx, 'credential.rotate', clientId, toCredentialView(before), view)),
    ]);
    return { credential: view, clientSecret, previousSecretExpiresAt: expiresAt };
  }

  /**
   * Revokes at once: the next request with any token of this credential is refused. The last active credential
   * holding `admin` is never revoked (409): the transaction that revokes an admin credential also checks that
   * another one is still active, so two admins revoking the last two at once cannot both succeed.
   */
  async revokeCredential(ctx: AdminContext, clientId: string): Promise<CredentialView> {
    for (let attempt = 0; ; attempt++) {
      const before = await this.getCredential(clientId);
      if (before.status === 'revoked') return toCredentialView(before);
      const now = this.deps.now().toISOString();
      const after: Credential = { ...before, status: 'revoked', secrets: [], revokedAt: now, updatedAt: now };
      const view = toCredentialView(after);
      const audit = this.deps.audit.putFor(
        this.event(ctx, 'credential.revoke', clientId, toCredentialView(before), view),
      );
      if (!administers(before)) {
        await this.deps.control.putCredential(after, before.updatedAt, [audit]);
        return view;
      }
      const witness = await this.otherActiveAdmin(clientId);
      if (!witness) {
        throw new LastAdminCredentialError(
          `Credential ${clientId} is the last active credential with scope admin: revoking it would leave nobody able to administer the gateway. Issue another admin credential to the operator agency first, then revoke this one.`,
        );
      }
      if (await this.deps.control.putCredentialWhileAdminRemains(after, before.updatedAt, witness, [audit])) {
        return view;
      }
      // The other admin credential was revoked meanwhile (a concurrent revocation): count again.
      if (attempt >= 2) {
        throw new ConflictError(
          `The admin credentials changed while credential ${clientId} was being revoked; retry.`,
        );
      }
    }
  }

  /**
   * Another credential that can administer the gateway, read consistently; the credentials index (eventually
   * consistent) only proposes candidates. The operator agency holds a handful of credentials.
   */
  private async otherActiveAdmin(clientId: string): Promise<string | undefined> {
    const listed = await this.deps.control.listCredentials(PLATFORM_AGENCY_ID);
    const candidates = listed
      .filter((c) => c.clientId !== clientId && c.scopes.includes('admin'))
      .sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'));
    for (const candidate of candidates) {
      const current = await this.deps.control.getCredential(candidate.clientId);
      if (current && administers(current)) return current.clientId;
    }
    return undefined;
  }

  /**
   * Creates a plan, or its next version when the code exists. Versions are immutable; agencies on the plan
   * move to the new version (their tokens refresh on the next call), and each ledger entry keeps the version
   * that priced it.
   */
  async savePlan(ctx: AdminContext, input: PlanInput): Promise<Plan> {
    const previous = await this.deps.plans.current(input.code);
    const plan: Plan = {
      ...input,
      version: (previous?.version ?? 0) + 1,
      createdAt: this.deps.now().toISOString(),
    };
    await this.deps.plans.saveVersion(plan, [
      this.deps.audit.putFor(
        this.event(ctx, previous ? 'plan.version' : 'plan.create', plan.code, previous ?? null, plan),
      ),
    ]);
    if (previous) {
      for (const listed of (await this.deps.control.allAgencies()).filter((a) => a.planCode === plan.code)) {
        // Re-read consistently (the list is an index) and audit each move in its own transaction.
        const agency = await this.getAgency(listed.id);
        if (agency.planCode !== plan.code) continue;
        await this.recapLanes(agency, plan);
        const after = {
          ...agency,
          planVersion: plan.version,
          ledgerLanes: lanesAfter(agency, plan),
          policyVersion: agency.policyVersion + 1,
          updatedAt: plan.createdAt,
        };
        await this.deps.control.saveAgency(after, agency.updatedAt, [
          this.deps.audit.putFor({
            ...this.event(ctx, 'agency.plan', agency.id, agency, after),
            id: `${ctx.requestId}:${agency.id}`,
          }),
        ]);
      }
    }
    return plan;
  }

  /**
   * Before an agency moves to a plan whose quota or lane count differs, this month's lanes are re-capped so they add
   * up to the new quota (shared/ledger/ledger.ts capLanes): without it, lanes filled under the old shares and lanes
   * added by the new count would together serve more than the quota. Done first, so the first call under the new
   * limits already finds the caps; caps for limits that never took effect (a failed save) are never used.
   */
  private async recapLanes(before: Agency, plan: Plan): Promise<void> {
    const lanesBefore = before.ledgerLanes ?? DEFAULT_LANES;
    const lanes = lanesAfter(before, plan);
    const quotaBefore =
      before.planCode && before.planVersion
        ? (await this.deps.plans.version(before.planCode, before.planVersion))?.monthlyQuota
        : this.deps.defaultMonthlyQuota;
    if (quotaBefore === plan.monthlyQuota && lanesBefore === lanes) return;
    await this.deps.capLanes(
      before.id,
      this.deps.now(),
      { monthlyQuota: plan.monthlyQuota, lanes },
      lanesBefore,
    );
  }

  listPlans(): Promise<Plan[]> {
    return this.deps.plans.list();
  }

  /**
   * Sets (or, with null, removes) an agency's monthly budget cap in VND, VAT included. An enforced cap is
   * carried by the agency's tokens, so the change bumps the policy version: it applies from the next call.
   */
  async setBudget(
    ctx: AdminContext,
    agencyId: string,
    budget: { capVnd: number; enforce: boolean } | null,
  ): Promise<Agency> {
    const before = await this.getAgency(agencyId);
    const after: Agency = {
      ...before,
      budget: budget ?? undefined,
      policyVersion: before.policyVersion + 1,
      updatedAt: this.deps.now().toISOString(),
    };
    await this.deps.control.saveAgency(after, before.updatedAt, [
      this.deps.audit.putFor(this.event(ctx, 'agency.budget', agencyId, before.budget ?? null, budget)),
    ]);
    return after;
  }

  /** Puts an agency on a plan's current version, from its next call (see README: mid-month changes). */
  async assignPlan(ctx: AdminContext, agencyId: string, planCode: string): Promise<Agency> {
    const before = await this.getAgency(agencyId);
    const plan = await this.deps.plans.current(planCode);
    if (!plan) throw new NotFoundError(`There is no plan ${planCode}.`);
    await this.recapLanes(before, plan);
    const after: Agency = {
      ...before,
      planCode,
      planVersion: plan.version,
      ledgerLanes: lanesAfter(before, plan),
      policyVersion: before.policyVersion + 1,
      updatedAt: this.deps.now().toISOString(),
    };
    await this.deps.control.saveAgency(after, before.updatedAt, [
      this.deps.audit.putFor(this.event(ctx, 'agency.plan', agencyId, before, after)),
    ]);
    return after;
  }

  async rotateSigningKeys(ctx: AdminContext): Promise<{ kid: string; previousKid?: string | undefined }> {
    return this.deps.keys.rotate(async (change) => {
      const event = this.event(ctx, 'signing-key.rotate', change.kid, change.previousKid ?? null, change.kid);
      // The key is installed only once its record is written. A timeout may hide a record that landed: the
      // same record again is a no-op (same id), so a lost answer does not leave a record without its key.
      return withRetry(() => this.deps.audit.record(event), TRANSIENT_RETRY, isDependencyUnavailable);
    });
  }
}

/** Whether a credential can get admin tokens: active, holding `admin`, on the operator agency (the only one that may). */
const administers = (credential: Credential) =>
  credential.status === 'active' &&
  credential.scopes.includes('admin') &&
  credential.agencyId === PLATFORM_AGENCY_ID;

/** An agency's lanes once it is on `plan`: enough for the plan's rate, and never fewer than it had. */
const lanesAfter = (agency: Agency, plan: Plan) =>
  Math.max(agency.ledgerLanes ?? DEFAULT_LANES, lanesFor(plan.rateLimit.perSecond));

/** A public key an agency registers for private_key_jwt: asymmetric, public only, strong enough. */
async function validatePublicJwk(jwk: Record<string, unknown>): Promise<Record<string, unknown>> {
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'k' in jwk) {
    throw new BadRequestError(
      'publicJwk holds private or symmetric key material: register the public key only.',
    );
  }
  const algorithms = assertionAlgorithms(jwk as JWK);
  if (!algorithms.length) {
    throw new BadRequestError('publicJwk must be an EC P-256/P-384, Ed25519 or RSA public key.');
  }
  if (jwk.kty === 'RSA' && Buffer.from(String(jwk.n ?? ''), 'base64url').length < 256) {
    throw new BadRequestError('An RSA publicJwk must be at least 2048 bits.');
  }
  try {
    await importJWK(jwk as JWK, algorithms[0]);
  } catch {
    throw new BadRequestError('publicJwk is not a valid JWK.');
  }
  const allowed = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'];
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => allowed.includes(k)));
}
