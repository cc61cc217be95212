/**
 * Every item key and index key of the control table (agencies, credentials, plans, purposes, signing keys).
 * Existing items were written with these exact strings: a change here is a data migration, not a refactor.
 */

/** The gsi1 partition that lists every agency, sorted by agency code. */
const AGENCIES = 'AGENCIES' as const;
/** The gsi1 partition that lists every plan, sorted by plan code. */
const PLANS = 'PLANS';
/** The one partition of the purpose catalogue. */
const PURPOSE = 'PURPOSE';

/** Agencies, their credentials and entitlements, and spent client assertions: written by ControlRepository. */
export const controlKeys = {
  /** An agency; its partition also holds its entitlements. */
  agency: (id: string) => ({ pk: `AGENCY#${id}`, sk: 'AGENCY' }),
  /** The agency a code belongs to: keeps agency codes unique. */
  agencyCode: (code: string) => ({ pk: `AGENCYCODE#${code}`, sk: 'AGENCYCODE' }),
  /** A credential (OAuth client) by client id. */
  credential: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  /** An agency's entitlements, beside the agency item. */
  entitlements: (agencyId: string) => ({ pk: `AGENCY#${agencyId}`, sk: 'ENTITLEMENTS' }),
  /** A spent client-assertion id (`jti`), kept until it expires so the assertion cannot be replayed. */
  assertionId: (clientId: string, jti: string) => ({ pk: `JTI#${clientId}#${jti}`, sk: 'JTI' }),
  /** gsi1 partition of the agency listing. */
  agencies: AGENCIES,
  /** gsi1 keys an agency item carries: the agency listing, by code. */
  agencyListing: (code: string) => ({ gsi1pk: AGENCIES, gsi1sk: code }),
  /** gsi1 partition of one agency's credentials. */
  credentialsOf: (agencyId: string) => `AGENCY#${agencyId}#CLIENTS`,
  /** gsi1 keys a credential item carries: its agency's credentials, in creation order. */
  credentialListing: (credential: { agencyId: string; clientId: string; createdAt: string }) => ({
    gsi1pk: controlKeys.credentialsOf(credential.agencyId),
    gsi1sk: `${credential.createdAt}#${credential.clientId}`,
  }),
};

/** Versioned plans: written by PlanRepository. */
export const planKeys = {
  /** One immutable version of a plan. */
  version: (code: string, version: number) => ({
    pk: `PLAN#${code}`,
    sk: `V#${String(version).padStart(6, '0')}`,
  }),
  /** Which version of a plan is current (with a copy of it). */
  current: (code: string) => ({ pk: `PLAN#${code}`, sk: 'CURRENT' }),
  /** gsi1 partition of the plan listing. */
  plans: PLANS,
  /** gsi1 keys a plan's CURRENT item carries: the plan listing, by code. */
  planListing: (code: string) => ({ gsi1pk: PLANS, gsi1sk: code }),
};

/**
 * The purpose catalogue under one partition key, one item per code, sorted by code: written by PurposeRepository.
 * It is small (hundreds of entries), written only by admins, and read whole by one Query, so one partition is right.
 */
export const purposeKeys = {
  partition: PURPOSE,
  /** One catalogue entry. */
  purpose: (code: string) => ({ pk: PURPOSE, sk: code }),
};

/**
 * Where the public halves of the signing keys are published for the functions that only verify tokens: written
 * by PublishedKeyStore (every rotation, and `npm run bootstrap:aws`).
 */
export const publishedKeysKey = { pk: 'SIGNING_KEYS', sk: 'PUBLISHED' } as const;

/** Items outside the domain: a probe and the local host's seeding markers. */
export const markerKeys = {
  /** Read (never written) by the health check of the token function: a Get that proves the table answers. */
  health: { pk: 'HEALTH', sk: 'HEALTH' },
  /** The bootstrap admin credential's client id: written by local seeding (`npm run seed`). */
  bootstrap: { pk: 'BOOTSTRAP', sk: 'BOOTSTRAP' },
  /** How far the demo agency's seeding got: written by local seeding. */
  demo: { pk: 'DEMO', sk: 'DEMO' },
} as const;
