import type { Citizen } from './model';
import { type Province, provinceByCode } from './provinces';

/**
 * What a personal identification number says about its holder (Decree 137/2015, Circular 07/2016):
 * digits 1-3 the province of birth registration, digit 4 the century of birth and gender
 * (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s), digits 5-6 the last two
 * digits of the year of birth, digits 7-12 a serial.
 */
export interface NationalIdFacts {
  province: Province;
  gender: 'male' | 'female';
  /** The first year of the century of birth: 1900, 2000, ... */
  century: number;
  birthYear: number;
  serial: string;
}

export type NationalIdResult = { ok: true; facts: NationalIdFacts } | { ok: false; reason: string };

/** Reads a national ID; a malformed one comes back with a reason a caller can act on. */
export function parseNationalId(id: string): NationalIdResult {
  if (!/^\d{12}$/.test(id)) return { ok: false, reason: 'a national ID is exactly 12 digits' };
  const province = provinceByCode(id.slice(0, 3));
  if (!province) return { ok: false, reason: `${id.slice(0, 3)} is not a province code` };
  const centuryGender = Number(id[3]);
  const century = 1900 + Math.floor(centuryGender / 2) * 100;
  return {
    ok: true,
    facts: {
      province,
      gender: centuryGender % 2 === 0 ? 'male' : 'female',
      century,
      birthYear: century + Number(id.slice(4, 6)),
      serial: id.slice(6),
    },
  };
}

export function isNationalId(id: string): boolean {
  return parseNationalId(id).ok;
}

/** The 4th digit of a national ID for a person of this gender born in this year. */
export function centuryGenderDigit(birthYear: number, gender: 'male' | 'female'): string {
  const centuryIndex = Math.floor((birthYear - 1900) / 100);
  if (centuryIndex < 0 || centuryIndex > 4) throw new RangeError(`no century digit for year ${birthYear}`);
  return String(centuryIndex * 2 + (gender === 'female' ? 1 : 0));
}

/** The ways a citizen record disagrees with its own national ID (empty when it agrees). */
export function disagreementsWithId(
  citizen: Pick<Citizen, 'nationalId' | 'gender' | 'dateOfBirth' | 'province'>,
): string[] {
  const parsed = parseNationalId(citizen.nationalId);
  if (!parsed.ok) return [parsed.reason];
  const { facts } = parsed;
  const problems: string[] = [];
  if (facts.gender !== citizen.gender)
    problems.push(`the ID says ${facts.gender}, the record ${citizen.gender}`);
  const year = Number(citizen.dateOfBirth.slice(0, 4));
  if (facts.birthYear !== year) problems.push(`the ID says born in ${facts.birthYear}, the record ${year}`);
  if (facts.province.name !== citizen.province) {
    problems.push(`the ID says ${facts.province.name}, the record ${citizen.province}`);
  }
  return problems;
}

const enterpriseCodePattern = /^\d{10}(-\d{3})?$/;

/** A 10-digit enterprise (tax) code, or 13 digits with a branch suffix: `0123456789-001`. */
export function isEnterpriseCode(code: string): boolean {
  return enterpriseCodePattern.test(code);
}

/** The enterprise a branch code belongs to (the code itself for a head office). */
export function parentEnterpriseCode(code: string): string {
  return code.slice(0, 10);
}
