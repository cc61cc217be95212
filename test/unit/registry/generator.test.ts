import { describe, expect, it } from 'vitest';
import { generateCitizen, syntheticBusinesses, syntheticCitizens } from '../../../shared/registry/generator';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { findProvince } from '../../../shared/registry/provinces';
import { disagreementsWithId, isEnterpriseCode, parseNationalId } from '../../../shared/registry/rules';
import { BusinessSchema, CitizenSchema } from '../../../shared/registry/schemas';

const citizens = [...syntheticCitizens(5000)];
const businesses = [...syntheticBusinesses(5000)];

describe('synthetic population register', () => {
  it('is the same for the same seed and different for another', () => {
    expect([...syntheticCitizens(200)]).toEqual(citizens.slice(0, 202));
    expect([...syntheticCitizens(200, 'another seed')]).not.toEqual(citizens.slice(0, 202));
  });

  it('grows by adding: a small register is the start of a larger one', () => {
    expect([...syntheticCitizens(1000)]).toEqual(citizens.slice(0, 1002));
  });

  it('starts with the documented demo citizens and never generates them again', () => {
    expect(citizens.slice(0, 2)).toEqual(demoCitizens);
    expect(citizens).toHaveLength(5002);
    expect(new Set(citizens.map((c) => c.nationalId)).size).toBe(citizens.length);
  });

  it('gives every citizen an ID that agrees with the record', () => {
    const disagreeing = citizens.filter((c) => disagreementsWithId(c).length > 0);
    expect(disagreeing).toEqual([]);
  });

  it('gives records of the published shape, with real province names and Vietnamese names', () => {
    for (const citizen of citizens) {
      expect(CitizenSchema.safeParse(citizen).success).toBe(true);
      expect(findProvince(citizen.province)?.name).toBe(citizen.province);
      expect(citizen.fullName.split(' ').length).toBeGreaterThanOrEqual(3);
    }
    expect(
      citizens.some((c) => /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i.test(c.fullName)),
    ).toBe(true);
  });

  it('is mostly living people of both genders across many provinces', () => {
    const living = citizens.filter((c) => c.status === 'living').length;
    expect(living / citizens.length).toBeGreaterThan(0.9);
    const women = citizens.filter((c) => c.gender === 'female').length;
    expect(women / citizens.length).toBeGreaterThan(0.4);
    expect(women / citizens.length).toBeLessThan(0.6);
    expect(new Set(citizens.map((c) => c.province)).size).toBeGreaterThan(50);
  });

  it('gives distinct IDs to different record numbers', () => {
    const ids = new Set(Array.from({ length: 20_000 }, (_, n) => generateCitizen(n).nationalId));
    expect(ids.size).toBe(20_000);
  });

  it('has people born in both centuries, with the matching century digit', () => {
    const digits = new Set(citizens.map((c) => c.nationalId[3]));
    expect([...digits].sort()).toEqual(['0', '1', '2', '3']);
    for (const c of citizens.slice(0, 500)) {
      const parsed = parseNationalId(c.nationalId);
      expect(parsed.ok && parsed.facts.birthYear).toBe(Number(c.dateOfBirth.slice(0, 4)));
    }
  });
});

describe('synthetic business register', () => {
  it('is the same for the same seed, and grows by adding', () => {
    expect([...syntheticBusinesses(300)]).toEqual(businesses.slice(0, 302));
    expect([...syntheticBusinesses(300, 'another seed')]).not.toEqual(businesses.slice(0, 302));
  });

  it('starts with the documented demo businesses and never generates their codes again', () => {
    expect(businesses.slice(0, 2)).toEqual(demoBusinesses);
    const codes = businesses.map((b) => b.enterpriseCode);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('gives valid codes: 10 digits, and branches that extend an enterprise in the register', () => {
    const codes = new Set(businesses.map((b) => b.enterpriseCode));
    const branches = businesses.filter((b) => b.enterpriseCode.includes('-'));
    expect(branches.length).toBeGreaterThan(50);
    for (const business of businesses) expect(isEnterpriseCode(business.enterpriseCode)).toBe(true);
    for (const branch of branches) {
      expect(branch.enterpriseCode).toMatch(/^\d{10}-001$/);
      expect(codes.has(branch.enterpriseCode.slice(0, 10))).toBe(true);
      expect(branch.name.startsWith('Chi nhánh ')).toBe(true);
    }
  });

  it('gives records of the published shape: integer VND capital, legal forms, VSIC codes, real provinces', () => {
    for (const business of businesses) {
      expect(BusinessSchema.safeParse(business).success).toBe(true);
      expect(Number.isSafeInteger(business.charterCapitalVnd)).toBe(true);
      expect(findProvince(business.province)?.name).toBe(business.province);
      expect(business.industryCodes.length).toBeGreaterThan(0);
      expect(new Set(business.industryCodes).size).toBe(business.industryCodes.length);
    }
    const forms = new Set(businesses.map((b) => b.legalForm));
    expect(forms).toEqual(
      new Set([
        'Công ty trách nhiệm hữu hạn',
        'Công ty trách nhiệm hữu hạn một thành viên',
        'Công ty cổ phần',
        'Doanh nghiệp tư nhân',
        'Công ty hợp danh',
        'Chi nhánh',
      ]),
    );
  });

  it('opens each name with its legal form', () => {
    const opening: Record<string, string> = {
      'Công ty trách nhiệm hữu hạn': 'Công ty TNHH ',
      'Công ty cổ phần': 'Công ty Cổ phần ',
      'Doanh nghiệp tư nhân': 'Doanh nghiệp tư nhân ',
    };
    for (const business of businesses.slice(2)) {
      const prefix = opening[business.legalForm];
      if (prefix) expect(business.name.startsWith(prefix)).toBe(true);
    }
  });

  it('is mostly active', () => {
    const active = businesses.filter((b) => b.status === 'active').length;
    expect(active / businesses.length).toBeGreaterThan(0.8);
  });
});
