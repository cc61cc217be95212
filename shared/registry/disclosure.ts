import type { Citizen } from './model';
import { sameText } from './text';

/** What may leave the gateway for one record, and which asked-for fields were held back. */
export interface Disclosure<T> {
  data: Partial<T>;
  /** Fields the caller asked for (or, asking for none, would have had) that its entitlement does not cover. */
  withheld: string[];
}

/**
 * Field minimisation: only fields both requested (all, when `requested` is undefined) and entitled (all,
 * when `entitled` is undefined) are disclosed. The record's key is always disclosed: the caller sent it.
 * Asking for a field one is not entitled to is not an error; it is named in `withheld`. `kind` says which
 * field is the key and what the fields are (shared/registry/operations.ts), never guessed from the record.
 */
export function minimise<R extends object, K extends keyof R & string>(
  record: R,
  kind: { readonly keyField: K; readonly fields: readonly string[] },
  requested: readonly string[] | undefined,
  entitled: readonly string[] | undefined,
): Disclosure<R> & { data: Pick<R, K> } {
  const asked = requested ? new Set(requested) : undefined;
  const allowed = entitled ? new Set(entitled) : undefined;
  const source = record as unknown as Record<string, unknown>;
  const data: Record<string, unknown> = { [kind.keyField]: source[kind.keyField] };
  const withheld: string[] = [];
  for (const field of kind.fields) {
    if (field === kind.keyField || (asked && !asked.has(field))) continue;
    if (allowed && !allowed.has(field)) withheld.push(field);
    else if (source[field] !== undefined) data[field] = source[field];
  }
  return { data: data as Partial<R> & Pick<R, K>, withheld };
}

/** Facts about a person a caller may check without being told the stored values. */
export const VERIFIABLE_FIELDS = [
  'fullName',
  'dateOfBirth',
  'gender',
  'nationality',
  'placeOfOrigin',
  'permanentAddress',
  'status',
] as const satisfies readonly (keyof Citizen)[];
export type VerifiableField = (typeof VERIFIABLE_FIELDS)[number];
export type CitizenClaims = Partial<Pick<Citizen, VerifiableField>>;

export interface Verification {
  /** True when at least one claim was compared and every compared claim holds. */
  match: boolean;
  /** One boolean per compared claim; never a stored value. */
  fields: Partial<Record<VerifiableField, boolean>>;
  /** Claims given but not compared, because the caller's entitlement does not cover those fields. */
  withheld: VerifiableField[];
}

const textFields = new Set<VerifiableField>(['fullName', 'nationality', 'placeOfOrigin', 'permanentAddress']);

/**
 * Checks claims against a record and answers only true/false per claim. Text is compared after Unicode
 * normalisation (NFC or NFD input), ignoring case and spacing, but with diacritics: "Nguyen Van An" does
 * not match "Nguyễn Văn An".
 */
export function verifyCitizen(
  record: Citizen,
  claims: CitizenClaims,
  entitled?: readonly string[] | undefined,
): Verification {
  const allowed = entitled ? new Set(entitled) : undefined;
  const fields: Partial<Record<VerifiableField, boolean>> = {};
  const withheld: VerifiableField[] = [];
  for (const field of VERIFIABLE_FIELDS) {
    const claimed = claims[field];
    if (claimed === undefined) continue;
    if (allowed && !allowed.has(field)) {
      withheld.push(field);
      continue;
    }
    const stored = record[field];
    fields[field] = textFields.has(field) ? sameText(claimed, stored) : claimed === stored;
  }
  const compared = Object.values(fields);
  return { match: compared.length > 0 && compared.every(Boolean), fields, withheld };
}
