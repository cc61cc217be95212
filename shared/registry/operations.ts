import type { Operation } from '../identity/model';
import { registryKeys } from '../storage/keys/registry';
import type { Business, Citizen } from './model';
import type { RegisterProviders } from './provider';
import { BUSINESS_FIELDS, CITIZEN_FIELDS } from './schemas';

/**
 * A register's record, found by its key: everything the broker needs to serve, meter, disclose and refuse it,
 * whatever the register. A new register is one more of these (and its provider, schemas and routes).
 */
export interface RecordKind<R, K extends keyof R & string = keyof R & string> {
  /** Which provider serves it. */
  readonly register: keyof RegisterProviders;
  /** The record's key field: the call's subject in the ledger and the audit trail, always disclosed. */
  readonly keyField: K;
  /** Every field of the record, in the order a disclosure lists them. */
  readonly fields: readonly string[];
  /** Its item key in the registry table, read in the call's first round trip when the register is hosted. */
  readonly tableKey: (subject: string) => Record<string, string>;
  /** The record from the custodian, when the register is not hosted here. */
  readonly fetch: (providers: RegisterProviders, subject: string) => Promise<R | undefined>;
  /** The 404's detail for a subject no record has. */
  readonly missing: (subject: string) => string;
}

export const citizenRecord: RecordKind<Citizen, 'nationalId'> = {
  register: 'population',
  keyField: 'nationalId',
  fields: CITIZEN_FIELDS,
  tableKey: registryKeys.citizen,
  fetch: (providers, nationalId) => providers.population.getCitizen(nationalId),
  missing: (nationalId) => `No citizen has national ID ${nationalId}.`,
};

export const businessRecord: RecordKind<Business, 'enterpriseCode'> = {
  register: 'business',
  keyField: 'enterpriseCode',
  fields: BUSINESS_FIELDS,
  tableKey: registryKeys.business,
  fetch: (providers, enterpriseCode) => providers.business.getBusiness(enterpriseCode),
  missing: (enterpriseCode) => `No enterprise has code ${enterpriseCode}.`,
};

/** The record each operation reads (a search reads many: see Broker.search). */
export const operationRecords = {
  'citizen:read': citizenRecord,
  'citizen:verify': citizenRecord,
  'business:read': businessRecord,
  'business:search': businessRecord,
} as const satisfies Record<Operation, RecordKind<Citizen> | RecordKind<Business>>;
