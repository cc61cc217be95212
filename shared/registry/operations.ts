import type { z } from 'zod';
import { type Operation, REGISTER_NAMES, REGISTERS, type RegisterName } from '../identity/model';
import { registryKeys } from '../storage/keys/registry';
import type { Business, Citizen, RegisterRecords } from './model';
import type { RecordSource, RegisterProviders } from './provider';
import {
  BUSINESS_FIELDS,
  BusinessSchema,
  CITIZEN_FIELDS,
  CitizenSchema,
  EnterpriseCodeSchema,
  NationalIdSchema,
} from './schemas';

/**
 * A register's record, found by its key: everything the broker, the hosted copy and the custodian client need
 * to serve, meter, disclose and refuse it, whatever the register. A new register is one more of these, in
 * `registerRecords` (which gives it its provider and, through REGISTERS, its operations), with its schemas and
 * its routes.
 */
export interface RecordKind<R, K extends keyof R & string = keyof R & string> {
  /** The provider that serves it. */
  readonly source: (providers: RegisterProviders) => RecordSource<R>;
  /** The record's key field: the call's subject in the ledger and the audit trail, always disclosed. */
  readonly keyField: K;
  /** What a well-formed key is (a refused attempt keeps its subject only when it is one). */
  readonly subject: z.ZodType<string>;
  /** Every field of the record, in the order a disclosure lists them. */
  readonly fields: readonly string[];
  /** The whole record: what a custodian must answer, and what the hosted copy holds. */
  readonly schema: z.ZodType<R>;
  /** Its item key in the registry table, read in the call's first round trip when the register is hosted. */
  readonly tableKey: (subject: string) => Record<string, string>;
  /** Its path under the custodian's base URL (the contract in ./custodian.ts). */
  readonly custodianPath: (subject: string) => string;
  /** What a custodian that answers with another record's key answered with, for its 502. */
  readonly another: string;
  /** The 404's detail for a subject no record has. */
  readonly missing: (subject: string) => string;
}

const segment = (value: string) => encodeURIComponent(value);

export const citizenRecord: RecordKind<Citizen, 'nationalId'> = {
  source: (providers) => providers.population,
  keyField: 'nationalId',
  subject: NationalIdSchema,
  fields: CITIZEN_FIELDS,
  schema: CitizenSchema,
  tableKey: registryKeys.citizen,
  custodianPath: (nationalId) => `citizens/${segment(nationalId)}`,
  another: 'a different person',
  missing: (nationalId) => `No citizen has national ID ${nationalId}.`,
};

export const businessRecord: RecordKind<Business, 'enterpriseCode'> = {
  source: (providers) => providers.business,
  keyField: 'enterpriseCode',
  subject: EnterpriseCodeSchema,
  fields: BUSINESS_FIELDS,
  schema: BusinessSchema,
  tableKey: registryKeys.business,
  custodianPath: (enterpriseCode) => `businesses/${segment(enterpriseCode)}`,
  another: 'a different enterprise',
  missing: (enterpriseCode) => `No enterprise has code ${enterpriseCode}.`,
};

/** The record of each register: createProviders (./config.ts) gives each one its hosted or custodian provider. */
export const registerRecords = {
  population: citizenRecord,
  business: businessRecord,
} as const satisfies { readonly [N in RegisterName]: RecordKind<RegisterRecords[N]> };

/** The register an operation belongs to, as REGISTERS lists it. */
type RegisterOf<O extends Operation> = {
  [N in RegisterName]: O extends (typeof REGISTERS)[N]['operations'][number] ? N : never;
}[RegisterName];

/** The record each operation reads (a search reads many: see Broker.search): its register's, from REGISTERS. */
export const operationRecords = Object.fromEntries(
  REGISTER_NAMES.flatMap((register) =>
    REGISTERS[register].operations.map((operation) => [operation, registerRecords[register]]),
  ),
) as { readonly [O in Operation]: (typeof registerRecords)[RegisterOf<O>] };
