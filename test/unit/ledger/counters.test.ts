import { describe, expect, it } from 'vitest';
import {
  counterNames,
  dayCounterNames,
  parseCounter,
  parseDayCounter,
} from '../../../shared/ledger/counters';
import { usageKeys } from '../../../shared/storage/keys/ledger';

describe('counter attribute names', () => {
  it('reads back every lane and refund counter it names', () => {
    expect(parseCounter(counterNames.calls)).toEqual({ kind: 'calls' });
    expect(parseCounter(counterNames.billable)).toEqual({ kind: 'billable' });
    expect(parseCounter(counterNames.opCalls('citizen:read'))).toEqual({
      kind: 'opCalls',
      op: 'citizen:read',
    });
    expect(parseCounter(counterNames.opBillable('business:search', 'STANDARD', 3))).toEqual({
      kind: 'opBillable',
      op: 'business:search',
      planVersion: 'STANDARD@3',
    });
    expect(parseCounter(counterNames.reversed('citizen:verify', 'GOV-2026', 12))).toEqual({
      kind: 'reversed',
      op: 'citizen:verify',
      planVersion: 'GOV-2026@12',
    });
    expect(parseCounter(counterNames.planCalls('NONE', 0))).toEqual({
      kind: 'planCalls',
      planVersion: 'NONE@0',
    });
  });

  it('takes no other attribute of a lane item for a counter', () => {
    for (const name of [
      'pk',
      'sk',
      'agencyId',
      'period',
      'cap',
      'calls#',
      'billable#citizen:read',
      'x#y#z',
    ]) {
      expect(parseCounter(name), name).toBeUndefined();
    }
  });

  it('reads back a sealed day’s counters, a purpose code whole', () => {
    expect(parseDayCounter(dayCounterNames.opCalls('citizen:read'))).toEqual({
      kind: 'opCalls',
      op: 'citizen:read',
    });
    expect(parseDayCounter(dayCounterNames.purpose('citizen:read', '1.004194'))).toEqual({
      kind: 'purpose',
      op: 'citizen:read',
      purpose: '1.004194',
    });
    const key = usageKeys.day('ag_1', '2026-11', '27');
    expect(parseDayCounter('pk')).toBeUndefined();
    expect(parseDayCounter(key.sk)).toBeUndefined();
  });
});
