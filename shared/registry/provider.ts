import type { Business, Citizen } from './model';

/**
 * A register is served by a provider: the hosted DynamoDB copy, or a forwarder to the custodian's own API.
 * Lookups answer `undefined` for an unknown key; the route turns that into 404. Providers throw the typed
 * errors of ./errors.ts (502, 503, 504, 400) and nothing else a caller is meant to see.
 */
export interface PopulationRegister {
  readonly kind: 'hosted' | 'http';
  getCitizen(nationalId: string): Promise<Citizen | undefined>;
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

export interface BusinessRegister {
  readonly kind: 'hosted' | 'http';
  getBusiness(enterpriseCode: string): Promise<Business | undefined>;
  searchBusinesses(search: BusinessSearch): Promise<BusinessPage>;
}

export type RegisterProvider = PopulationRegister | BusinessRegister;

export interface RegisterProviders {
  population: PopulationRegister;
  business: BusinessRegister;
}

export const SEARCH_LIMIT = { default: 20, max: 100 } as const;
