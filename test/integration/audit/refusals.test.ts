import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEventsRoute, proofRoute } from '../../../functions/audit/routes';
import { verifyCitizenRoute } from '../../../functions/registry/routes';
import { REFUSALS_RECORDED_PER_MINUTE } from '../../../shared/audit/refusals';
import { FAILED_VERIFICATIONS_PER_HOUR } from '../../../shared/ledger/ledger';
import { answerTo, problemOf } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

/** Refused registry attempts in the audit trail and its Merkle log, and the guard on failed verifications. */
let gw: TestGateway;
let auditor: string;

const AN = '001099012345';
const BICH = '048301000123';

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  auditor = await gw.adminToken();
});

/** An agency entitled to read and verify citizens for purpose 1.001, with a token for the given scopes. */
async function agency(code: string, scopes: ('citizen:read' | 'citizen:verify')[] = ['citizen:read']) {
  const a = await gw.agencyWithCredential({
    code,
    entitlements: [
      { operation: 'citizen:read', purposes: ['1.001'] },
      { operation: 'citizen:verify', purposes: ['1.001'] },
    ],
    scopes,
  });
  return { ...a, token: await gw.token(a.clientId, a.clientSecret) };
}

async function events(agencyId: string) {
  const response = await gw.call(auditor, 'GET', `/audit/events?agency=${agencyId}&limit=200`);
  return (await answerTo(response, auditEventsRoute)).items;
}

const lookUp = (token: string, purpose: string, id = AN) =>
  gw.call(token, 'GET', `/v1/citizens/${id}`, undefined, {
    'X-Purpose': purpose,
    'X-Officer-Id': 'CB-0042',
    'X-Case-Id': 'HS-2026-7',
  });

/** Waits, if need be, so the next few seconds fall within one clock minute (the refusal budget is per minute). */
async function awayFromMinuteEnd(seconds: number) {
  const into = new Date().getSeconds();
  if (into > 60 - seconds) await new Promise((r) => setTimeout(r, (61 - into) * 1000));
}

describe('refused registry attempts in the audit trail', () => {
  it('records a lookup refused for a purpose the agency is not entitled to: who, about whom, the purpose claimed, why, status', async () => {
    const a = await agency('REF-PURPOSE');
    const response = await lookUp(a.token, '9.999');
    expect(response.status).toBe(403);
    const requestId = response.headers.get('X-Request-Id')!;
    const receipt = response.headers.get('X-Audit-Leaf');
    expect(receipt).toMatch(/^[0-9a-f]{64}$/);

    const [record] = await events(a.agencyId);
    expect(record).toMatchObject({
      id: requestId,
      kind: 'registry-call',
      action: 'citizen:read',
      actor: { clientId: a.clientId, agencyId: a.agencyId },
      subject: AN,
      purpose: '9.999',
      officerId: 'CB-0042',
      caseId: 'HS-2026-7',
      outcome: 'refused',
      status: 403,
      leafHash: receipt,
    });
    expect(record!.reason).toMatch(/^forbidden: .*may not use citizen:read for purpose 9\.999/);
    // Not metered, not billed.
    expect((await gw.counters(a.agencyId)).reduce((n, c) => n + (c.calls ?? 0), 0)).toBe(0);
    // In the log like any record: its inclusion proof names the receipt the caller got.
    await gw.seal();
    const proof = await gw.call(auditor, 'GET', `/audit/log/proofs/${requestId}`);
    expect((await answerTo(proof, proofRoute)).leafHash).toBe(receipt);
  });

  it('records refusals by scope, by suspension and of a revoked credential, each with its status', async () => {
    const a = await agency('REF-STATES', ['citizen:read']);
    const noScope = await gw.call(
      a.token,
      'POST',
      '/v1/citizens/verify',
      { nationalId: AN, dateOfBirth: '1999-05-14' },
      { 'X-Purpose': '1.001' },
    );
    expect(noScope.status).toBe(403);
    const admin = await gw.adminToken();
    const status = (to: string) => gw.call(admin, 'PATCH', `/admin/agencies/${a.agencyId}`, { status: to });
    expect((await status('suspended')).status).toBe(200);
    expect((await lookUp(a.token, '1.001', BICH)).status).toBe(403);
    expect((await status('active')).status).toBe(200);
    expect((await gw.call(admin, 'DELETE', `/admin/credentials/${a.clientId}`)).status).toBe(200);
    const revoked = await lookUp(a.token, '1.001');
    expect(revoked.status).toBe(401);

    const refused = (await events(a.agencyId)).filter((e) => e.outcome === 'refused');
    expect(refused.map((e) => [e.action, e.subject, e.status])).toEqual([
      ['citizen:read', AN, 401],
      ['citizen:read', BICH, 403],
      ['citizen:verify', AN, 403],
    ]);
    expect(refused[1]!.reason).toMatch(/suspended/);
    expect(refused[2]!.reason).toMatch(/insufficient_scope|needs scope citizen:verify/);
  });

  it('keeps a refused attempt out of the person’s own access history', async () => {
    const a = await agency('REF-HISTORY');
    expect((await lookUp(a.token, '9.999', BICH)).status).toBe(403);
    const bySubject = await gw.call(auditor, 'GET', `/audit/events?subject=${BICH}&agency=${a.agencyId}`);
    const listed = (await answerTo(bySubject, auditEventsRoute)).items;
    expect(listed.map((e) => e.outcome)).toEqual(['refused']);
  });

  it(`records at most ${REFUSALS_RECORDED_PER_MINUTE} refusals of a credential a minute one by one, then one summary that counts the rest`, async () => {
    const a = await agency('REF-FLOOD');
    await awayFromMinuteEnd(20);
    const statuses = await Promise.all(
      Array.from({ length: REFUSALS_RECORDED_PER_MINUTE + 15 }, () => lookUp(a.token, '9.999')),
    );
    expect(new Set(statuses.map((r) => r.status))).toEqual(new Set([403]));
    const listed = await events(a.agencyId);
    const one = listed.filter((e) => e.action === 'citizen:read');
    const summary = listed.filter((e) => e.action === 'refusals-beyond-limit');
    expect(one).toHaveLength(REFUSALS_RECORDED_PER_MINUTE);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      outcome: 'refused',
      target: `credential:${a.clientId}`,
      // 35 refused: 20 recorded one by one, 15 beyond them (the summary stands for the first of those).
      refusedBeyondRecorded: 15,
    });
    // The first answers carry receipts; the ones only counted carry none.
    expect(statuses.filter((r) => r.headers.get('X-Audit-Leaf')).length).toBe(
      REFUSALS_RECORDED_PER_MINUTE + 1,
    );
  });
});

describe('verification as an oracle', () => {
  const verify = (token: string, nationalId: string, dateOfBirth: string) =>
    gw.call(token, 'POST', '/v1/citizens/verify', { nationalId, dateOfBirth }, { 'X-Purpose': '1.001' });

  it(`refuses verifications of a subject after ${FAILED_VERIFICATIONS_PER_HOUR} failed ones by the agency within the hour, and only of that subject`, async () => {
    const a = await agency('ORACLE-1', ['citizen:verify']);
    for (let day = 1; day <= FAILED_VERIFICATIONS_PER_HOUR; day++) {
      const tried = await verify(a.token, AN, `1999-01-${String(day).padStart(2, '0')}`);
      expect((await answerTo(tried, verifyCitizenRoute)).match).toBe(false);
    }
    const next = await verify(a.token, AN, '1999-05-14');
    const refusal = await problemOf(next, 429);
    expect(next.headers.get('Content-Type')).toMatch(/problem\+json/);
    const retryAfter = Number(next.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refusal.detail).toMatch(/failed 10 times within the hour/);
    // Another subject is unaffected; so is another agency verifying the same subject.
    expect((await verify(a.token, BICH, '2001-11-02')).status).toBe(200);
    const b = await agency('ORACLE-2', ['citizen:verify']);
    expect((await verify(b.token, AN, '1999-05-14')).status).toBe(200);
    // The refusal is in the trail, not metered: the agency was billed for the eleven served calls only.
    const refused = (await events(a.agencyId)).filter((e) => e.outcome === 'refused');
    expect(refused.map((e) => [e.action, e.subject, e.status])).toEqual([['citizen:verify', AN, 429]]);
    expect((await gw.counters(a.agencyId)).reduce((n, c) => n + (c.calls ?? 0), 0)).toBe(
      FAILED_VERIFICATIONS_PER_HOUR + 1,
    );
  });

  it('serves exactly the allowed failures to many concurrent wrong guesses', async () => {
    const a = await agency('ORACLE-3', ['citizen:verify']);
    const guesses = Array.from({ length: 30 }, (_, i) =>
      new Date(Date.UTC(2001, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const answers = await Promise.all(guesses.map((d) => verify(a.token, BICH, d)));
    const tally: Record<number, number> = {};
    for (const r of answers) tally[r.status] = (tally[r.status] ?? 0) + 1;
    expect(tally).toEqual({ 200: FAILED_VERIFICATIONS_PER_HOUR, 429: 30 - FAILED_VERIFICATIONS_PER_HOUR });
  });

  it('answers a retry of the last allowed failure again (same Idempotency-Key) once the subject is limited', async () => {
    const a = await agency('ORACLE-5', ['citizen:verify']);
    const tryWith = (dateOfBirth: string, key: string) =>
      gw.call(
        a.token,
        'POST',
        '/v1/citizens/verify',
        { nationalId: AN, dateOfBirth },
        { 'X-Purpose': '1.001', 'Idempotency-Key': key },
      );
    for (let i = 1; i <= FAILED_VERIFICATIONS_PER_HOUR; i++)
      expect((await tryWith(`1980-02-${String(i).padStart(2, '0')}`, `guess-${i}`)).status).toBe(200);
    expect((await tryWith('1980-03-01', 'guess-new')).status).toBe(429);
    const retry = await tryWith(
      `1980-02-${String(FAILED_VERIFICATIONS_PER_HOUR).padStart(2, '0')}`,
      `guess-${FAILED_VERIFICATIONS_PER_HOUR}`,
    );
    expect(retry.status).toBe(200);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('does not count a verification that holds', async () => {
    const a = await agency('ORACLE-4', ['citizen:verify']);
    for (let i = 0; i < FAILED_VERIFICATIONS_PER_HOUR + 2; i++) {
      const tried = await verify(a.token, AN, '1999-05-14');
      expect(tried.status).toBe(200);
    }
  });
});
