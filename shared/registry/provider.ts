import type { RegisterName } from '../identity/model';
import type { Business, RegisterRecords } from './model';

/**
 * A register is served by a provider: the hosted DynamoDB copy (./hosted.ts), or a forwarder to the custodian's
 * own API (./custodian.ts), both driven by the register's RecordKind (./operations.ts). A lookup answers
 * `undefined` for an unknown key; the broker turns that into 404. Providers throw the typed errors of
 * ./errors.ts (502, 503, 504, 400) and nothing else a caller is meant to see.
 */
export interface RecordSource<R> {
  readonly kind: 'hosted' | 'http';
  /** The record whose key is `subject`. */
  get(subject: string): Promise<R | undefined>;
}

export interface BusinessSearch {
  /** Words to find, in any order, ignoring case and diacritics. */
  name: string;
  /** A province name as `findProvince` understands it. */
  province?: string | undefined;
  /** Page size, 1..100. */
  limit: number;
  /** The opaque cursor from the previous page. */
  cursor?: string | undefined;
}

export interface BusinessPage {
  items: Business[];
  /** Present when there may be more; a page can be short (even empty) and still have a cursor. */
  cursor?: string | undefined;
}

/** The business register: lookups by enterprise code, and searches by name. */
export interface BusinessRegister extends RecordSource<Business> {
  searchBusinesses(search: BusinessSearch): Promise<BusinessPage>;
}

/** One provider per register of REGISTERS, serving its record; the business register's also searches. */
export type RegisterProviders = { readonly [N in RegisterName]: RecordSource<RegisterRecords[N]> } & {
  readonly business: BusinessRegister;
};

export const SEARCH_LIMIT = { default: 20, max: 100 } as const;
