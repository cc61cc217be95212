import { describe, expect, it } from 'vitest';
import { minimise, verifyCitizen } from '../../../shared/registry/disclosure';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { businessRecord, citizenRecord } from '../../../shared/registry/operations';

const an = demoCitizens[0]!;
const songHan = demoBusinesses[0]!;

describe('field minimisation', () => {
  it('gives every field when nothing narrows it', () => {
    expect(minimise(an, citizenRecord, undefined, undefined)).toEqual({ data: an, withheld: [] });
  });

  it('gives only the fields asked for, and always the key', () => {
    const { data, withheld } = minimise(an, citizenRecord, ['fullName', 'dateOfBirth'], undefined);
    expect(data).toEqual({ nationalId: an.nationalId, fullName: an.fullName, dateOfBirth: an.dateOfBirth });
    expect(withheld).toEqual([]);
  });

  it('gives only entitled fields and names the rest as withheld, without an error', () => {
    const { data, withheld } = minimise(
      an,
      citizenRecord,
      ['fullName', 'permanentAddress'],
      ['fullName', 'dateOfBirth'],
    );
    expect(data).toEqual({ nationalId: an.nationalId, fullName: an.fullName });
    expect(withheld).toEqual(['permanentAddress']);
    expect(JSON.stringify(data)).not.toContain('Hàng Bài');
  });

  it('withholds everything not entitled when the caller asks for nothing in particular', () => {
    const { data, withheld } = minimise(an, citizenRecord, undefined, ['fullName']);
    expect(data).toEqual({ nationalId: an.nationalId, fullName: an.fullName });
    expect(withheld).toEqual([
      'dateOfBirth',
      'gender',
      'nationality',
      'placeOfOrigin',
      'permanentAddress',
      'province',
      'status',
    ]);
  });

  it('always gives the key, even to an entitlement that lists no fields', () => {
    expect(minimise(an, citizenRecord, ['nationalId'], []).data).toEqual({ nationalId: an.nationalId });
    expect(minimise(songHan, businessRecord, ['name'], []).data).toEqual({
      enterpriseCode: songHan.enterpriseCode,
    });
  });

  it('minimises business records by their own fields', () => {
    const { data, withheld } = minimise(
      songHan,
      businessRecord,
      ['name', 'charterCapitalVnd'],
      ['name', 'status'],
    );
    expect(data).toEqual({ enterpriseCode: songHan.enterpriseCode, name: songHan.name });
    expect(withheld).toEqual(['charterCapitalVnd']);
  });
});

describe('citizen verification', () => {
  it('matches when every claim holds', () => {
    expect(
      verifyCitizen(an, { fullName: 'Nguyễn Văn An', dateOfBirth: '1999-05-14', gender: 'male' }),
    ).toEqual({
      match: true,
      fields: { fullName: true, dateOfBirth: true, gender: true },
      withheld: [],
    });
  });

  it('does not match when one claim is wrong, and says which', () => {
    const result = verifyCitizen(an, { fullName: 'Nguyễn Văn An', dateOfBirth: '1999-05-15' });
    expect(result).toEqual({ match: false, fields: { fullName: true, dateOfBirth: false }, withheld: [] });
  });

  it('accepts names in NFD, any case and spacing', () => {
    const claims = { fullName: '  nguyễn   VĂN an '.normalize('NFD') };
    expect(verifyCitizen(an, claims).fields.fullName).toBe(true);
  });

  it('does not drop diacritics: "Nguyen Van An" is someone else', () => {
    expect(verifyCitizen(an, { fullName: 'Nguyen Van An' })).toMatchObject({
      match: false,
      fields: { fullName: false },
    });
  });

  it('never answers with stored values, only booleans for the claims given', () => {
    const result = verifyCitizen(an, { fullName: 'Lê Văn Bình', permanentAddress: 'Số 1 đường Lê Lợi' });
    const text = JSON.stringify(result);
    for (const stored of [an.fullName, an.permanentAddress, an.dateOfBirth, an.placeOfOrigin]) {
      expect(text).not.toContain(stored);
    }
    expect(Object.keys(result.fields)).toEqual(['fullName', 'permanentAddress']);
    expect(Object.values(result.fields).every((v) => typeof v === 'boolean')).toBe(true);
  });

  it('does not compare claims on fields the agency is not entitled to, and says so', () => {
    const result = verifyCitizen(an, { fullName: 'Nguyễn Văn An', dateOfBirth: '2000-01-01' }, ['fullName']);
    expect(result).toEqual({ match: true, fields: { fullName: true }, withheld: ['dateOfBirth'] });
  });

  it('is not a match when no claim could be compared', () => {
    expect(verifyCitizen(an, {})).toEqual({ match: false, fields: {}, withheld: [] });
    expect(verifyCitizen(an, { fullName: 'Nguyễn Văn An' }, [])).toEqual({
      match: false,
      fields: {},
      withheld: ['fullName'],
    });
  });
});
