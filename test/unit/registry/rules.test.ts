import { describe, expect, it } from 'vitest';
import { demoCitizens } from '../../../shared/registry/model';
import { findProvince, PROVINCES } from '../../../shared/registry/provinces';
import {
  centuryGenderDigit,
  disagreementsWithId,
  isEnterpriseCode,
  parseNationalId,
} from '../../../shared/registry/rules';

describe('national ID', () => {
  it('reads the province, gender and birth year of the documented demo citizens', () => {
    const an = parseNationalId('001099012345');
    const bich = parseNationalId('048301000123');
    expect(an).toMatchObject({
      ok: true,
      facts: {
        province: { name: 'Hà Nội' },
        gender: 'male',
        century: 1900,
        birthYear: 1999,
        serial: '012345',
      },
    });
    expect(bich).toMatchObject({
      ok: true,
      facts: { province: { name: 'Đà Nẵng' }, gender: 'female', century: 2000, birthYear: 2001 },
    });
  });

  it('agrees with every demo record', () => {
    for (const citizen of demoCitizens) expect(disagreementsWithId(citizen)).toEqual([]);
  });

  it.each([
    ['0', 1900, 'male'],
    ['1', 1900, 'female'],
    ['2', 2000, 'male'],
    ['3', 2000, 'female'],
    ['4', 2100, 'male'],
    ['5', 2100, 'female'],
    ['8', 2300, 'male'],
  ])('reads century/gender digit %s as the %ss, %s', (digit, century, gender) => {
    const parsed = parseNationalId(`079${digit}85123456`);
    expect(parsed).toMatchObject({ ok: true, facts: { century, gender, birthYear: century + 85 } });
  });

  it('writes the century/gender digit the way it reads it', () => {
    expect(centuryGenderDigit(1999, 'male')).toBe('0');
    expect(centuryGenderDigit(1950, 'female')).toBe('1');
    expect(centuryGenderDigit(2001, 'female')).toBe('3');
    expect(centuryGenderDigit(2024, 'male')).toBe('2');
  });

  it.each([
    ['00109901234', 'exactly 12 digits'],
    ['0010990123456', 'exactly 12 digits'],
    ['00109901234a', 'exactly 12 digits'],
    [' 001099012345', 'exactly 12 digits'],
    ['003099012345', '003 is not a province code'],
    ['000099012345', '000 is not a province code'],
    ['097099012345', '097 is not a province code'],
  ])('rejects %s: %s', (id, reason) => {
    const parsed = parseNationalId(id);
    expect(parsed.ok).toBe(false);
    expect(parsed).toMatchObject({ reason: expect.stringContaining(reason) });
  });

  it('finds a record whose gender, birth year or province contradict its ID', () => {
    const an = demoCitizens[0]!;
    expect(disagreementsWithId({ ...an, gender: 'female' })).toEqual(['the ID says male, the record female']);
    expect(disagreementsWithId({ ...an, dateOfBirth: '2099-05-14' })).toEqual([
      'the ID says born in 1999, the record 2099',
    ]);
    expect(disagreementsWithId({ ...an, province: 'Đà Nẵng' })).toEqual([
      'the ID says Hà Nội, the record Đà Nẵng',
    ]);
    // Century digit 2 means the 2000s: the same two year digits then mean 2099, not 1999.
    expect(disagreementsWithId({ ...an, nationalId: '001299012345' })).toEqual([
      'the ID says born in 2099, the record 1999',
    ]);
  });
});

describe('provinces', () => {
  it('has the 63 provinces and cities, each code once, including the documented ones', () => {
    expect(PROVINCES).toHaveLength(63);
    expect(new Set(PROVINCES.map((p) => p.code)).size).toBe(63);
    expect(findProvince('001')?.name).toBe('Hà Nội');
    expect(findProvince('048')?.name).toBe('Đà Nẵng');
    expect(findProvince('079')?.name).toBe('Hồ Chí Minh');
    expect(findProvince('096')?.name).toBe('Cà Mau');
  });

  it.each([
    ['Đà Nẵng', 'Đà Nẵng'],
    ['da nang', 'Đà Nẵng'],
    ['ĐÀ NẴNG', 'Đà Nẵng'],
    ['Thành phố Hồ Chí Minh', 'Hồ Chí Minh'],
    ['TP. HCM', 'Hồ Chí Minh'],
    ['tphcm', 'Hồ Chí Minh'],
    ['Tỉnh Quảng Ninh', 'Quảng Ninh'],
    ['ba ria vung tau', 'Bà Rịa - Vũng Tàu'],
    ['48', 'Đà Nẵng'],
    ['Atlantis', undefined],
  ])('finds %s as %s', (input, name) => {
    expect(findProvince(input)?.name).toBe(name);
  });
});

describe('enterprise code', () => {
  it.each(['0401234567', '5701234567', '0401234567-001'])('accepts %s', (code) => {
    expect(isEnterpriseCode(code)).toBe(true);
  });

  it.each(['040123456', '04012345678', '0401234567-1', '0401234567001', '0401234567-0001', 'abcdefghij', ''])(
    'rejects %s',
    (code) => {
      expect(isEnterpriseCode(code)).toBe(false);
    },
  );
});
