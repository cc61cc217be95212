import { createRoute, z } from '@hono/zod-openapi';
import { problemResponse, problemResponses, securedBy } from '../../shared/http/openapi';
import { type Operation, PurposeSchema, traceId } from '../../shared/identity/model';
import { VERIFIABLE_FIELDS } from '../../shared/registry/disclosure';
import { demoBusinesses, demoCitizens } from '../../shared/registry/model';
import { SEARCH_LIMIT } from '../../shared/registry/provider';
import { findProvince } from '../../shared/registry/provinces';
import {
  BUSINESS_FIELDS,
  type BusinessField,
  businessShape,
  CITIZEN_FIELDS,
  type CitizenField,
  citizenShape,
  EnterpriseCodeSchema,
  NationalIdSchema,
} from '../../shared/registry/schemas';
import { distinctiveWords } from '../../shared/registry/search-index';

const citizen = demoCitizens[0]!;
const business = demoBusinesses[0]!;

/**
 * An Idempotency-Key keys the call's ledger entry and is listed in finance's CSV exports: a plain token, without
 * spaces, quotes or `=`, `+`, `@`. A key may start with a dash (base64url text can): the CSV export neutralises it.
 */
const IdempotencyKeySchema = z
  .string()
  .regex(
    /^[A-Za-z0-9._:-]{1,128}$/,
    'an idempotency key is 1-128 letters, digits, dot, underscore, colon or dash',
  );

/**
 * The purpose each operation's examples name: the one the demo agency `npm start` creates is entitled to for it
 * (a catalogue code), so that Try it out in /docs works as shown.
 */
export const EXAMPLE_PURPOSES = {
  'citizen:read': '1.004194',
  'citizen:verify': '1.010815',
  'business:read': '1.001612',
  'business:search': '1.001612',
} as const satisfies Record<Operation, string>;

const purposeDescription =
  'The administrative procedure (or other legal basis) code the call serves; it must be one the agency is entitled to use for this operation.';

/** The headers every registry call carries (besides Authorization). */
export const RegistryHeadersSchema = z.object({
  'X-Purpose': PurposeSchema.meta({ description: purposeDescription }),
  'X-Officer-Id': traceId('an officer id')
    .optional()
    .meta({ description: 'The official acting; recorded in the audit trail.', example: 'CB-048-0192' }),
  'X-Case-Id': traceId('a case id').optional().meta({
    description: 'The case file the call is for; recorded in the audit trail.',
    example: 'HS-2026/001234',
  }),
  'Idempotency-Key': IdempotencyKeySchema.optional().meta({
    description:
      'A fresh key per call, e.g. a new UUID (the /docs page makes one for a try left without): a retry with the same key in the same billing period is answered again but counted and billed once, while the same key with a different request is a 409. 1-128 characters: letters A-Z and a-z, digits, dot, underscore, colon and dash (a UUID, a ULID or base64url text fits); anything else is a 400.',
  }),
});
export type RegistryHeaders = z.infer<typeof RegistryHeadersSchema>;

/** The registry headers as one operation documents them, with a purpose its callers may be entitled to. */
const headersOf = (operation: Operation) =>
  RegistryHeadersSchema.extend({
    'X-Purpose': PurposeSchema.meta({
      description: purposeDescription,
      example: EXAMPLE_PURPOSES[operation],
    }),
  });

/** `fields=a,b`: a comma list of field names of the record; an unknown name is a 400 (likely a typo). */
function fieldList<T extends string>(fields: readonly T[], example: string) {
  return z
    .string()
    .max(1000)
    .optional()
    .transform((value, ctx): T[] | undefined => {
      if (value === undefined || value.trim() === '') return undefined;
      const names = [...new Set(value.split(',').map((name) => name.trim()))].filter(Boolean);
      const unknown = names.filter((name) => !(fields as readonly string[]).includes(name));
      if (unknown.length) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown field ${unknown.join(', ')}; fields are ${fields.join(', ')}`,
        });
        return z.NEVER;
      }
      return names as T[];
    })
    .openapi({
      type: 'string',
      description: `Comma-separated fields to return (default: all). Only fields both asked for and entitled are returned; the others are listed in \`withheld\`. Fields: ${fields.join(', ')}.`,
      example,
    });
}

const purposeEcho = (operation: Operation) =>
  z.string().openapi({
    description: 'The purpose the call was made and recorded under (the X-Purpose header).',
    example: EXAMPLE_PURPOSES[operation],
  });

const withheld = <T extends string>(fields: readonly [T, ...T[]]) =>
  z.array(z.enum(fields)).openapi({
    description:
      'Fields asked for (or, asking for none, available) that the agency is not entitled to receive.',
  });

const responseHeaders = z.object({
  'X-Request-Id': z.string().openapi({ description: 'The gateway-minted request id (quote it to support).' }),
  'RateLimit-Policy': z.string().openapi({ description: 'The rate limit policy (IETF httpapi draft).' }),
  RateLimit: z.string().openapi({ description: 'The remaining allowance in the current window.' }),
  'X-Quota-Remaining': z.string().openapi({
    description:
      'Calls left in the monthly quota, as far as the lanes this call read tell (exact for an agency with few lanes; GET /billing/usage has the exact count).',
  }),
  'X-Audit-Leaf': z.string().openapi({
    description:
      'Your receipt: the RFC 9162 leaf hash (lowercase hex) of the audit record this call wrote. Its inclusion proof against a signed checkpoint is at GET /audit/log/proofs/{X-Request-Id} once sealed (seconds).',
  }),
});

const registryProblems = {
  ...problemResponses(400, 401, 402, 403, 404, 429, 502, 503, 504),
  ...problemResponse(
    409,
    'The Idempotency-Key was already used in this billing period for a different request; use a new key',
  ),
};

// --- Population register ------------------------------------------------------------------------------

export const CitizenViewSchema = z
  .object(citizenShape)
  .partial()
  .required({ nationalId: true })
  .openapi('Citizen', {
    description: 'A citizen record, holding only the fields both requested and entitled.',
    example: citizen,
  });

export const CitizenResponseSchema = z
  .object({
    data: CitizenViewSchema,
    withheld: withheld(CITIZEN_FIELDS),
    purpose: purposeEcho('citizen:read'),
  })
  .openapi('CitizenResponse', {
    example: {
      data: { nationalId: citizen.nationalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth },
      withheld: ['permanentAddress'] satisfies CitizenField[],
      purpose: EXAMPLE_PURPOSES['citizen:read'],
    },
  });

export const getCitizenRoute = createRoute({
  method: 'get',
  path: '/v1/citizens/{nationalId}',
  operationId: 'getCitizen',
  tags: ['Population register'],
  summary: 'Look up a citizen',
  description:
    'Answers the record of the person with this national ID, minimised to the fields both requested (`fields`) and entitled for the stated purpose. Scope `citizen:read`.',
  security: securedBy('citizen:read'),
  request: {
    params: z.object({ nationalId: NationalIdSchema }),
    query: z.object({ fields: fieldList(CITIZEN_FIELDS, 'fullName,dateOfBirth,permanentAddress') }),
    headers: headersOf('citizen:read'),
  },
  responses: {
    200: {
      description: 'The citizen, minimised',
      headers: responseHeaders,
      content: { 'application/json': { schema: CitizenResponseSchema } },
    },
    ...registryProblems,
  },
});

const claim = {
  fullName: citizenShape.fullName.openapi({
    description: 'Compared with diacritics, ignoring case, spacing and Unicode form (NFC or NFD).',
    example: citizen.fullName,
  }),
  dateOfBirth: citizenShape.dateOfBirth.openapi({ example: citizen.dateOfBirth }),
  gender: citizenShape.gender,
  nationality: citizenShape.nationality,
  placeOfOrigin: citizenShape.placeOfOrigin.min(1),
  permanentAddress: citizenShape.permanentAddress.min(1),
  status: citizenShape.status,
};

export const VerifyRequestSchema = z
  .object({
    nationalId: NationalIdSchema,
    fullName: claim.fullName.optional(),
    dateOfBirth: claim.dateOfBirth.optional(),
    gender: claim.gender.optional(),
    nationality: claim.nationality.optional(),
    placeOfOrigin: claim.placeOfOrigin.optional(),
    permanentAddress: claim.permanentAddress.optional(),
    status: claim.status.optional(),
  })
  .strict()
  .refine((body) => VERIFIABLE_FIELDS.some((field) => body[field] !== undefined), {
    message: `give at least one claim to check: ${VERIFIABLE_FIELDS.join(', ')}`,
  })
  .openapi('VerifyRequest', {
    example: { nationalId: citizen.nationalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth },
  });
export type VerifyRequest = z.infer<typeof VerifyRequestSchema>;

export const VerificationSchema = z
  .object({
    match: z.boolean().openapi({ description: 'True when every compared claim holds.' }),
    fields: z
      .object(Object.fromEntries(VERIFIABLE_FIELDS.map((f) => [f, z.boolean().optional()])))
      .openapi({ description: 'One true/false per compared claim; never the stored value.' }),
    withheld: withheld(VERIFIABLE_FIELDS),
    purpose: purposeEcho('citizen:verify'),
  })
  .openapi('Verification', {
    example: {
      match: false,
      fields: { fullName: true, dateOfBirth: false },
      withheld: [],
      purpose: EXAMPLE_PURPOSES['citizen:verify'],
    },
  });

export const verifyCitizenRoute = createRoute({
  method: 'post',
  path: '/v1/citizens/verify',
  operationId: 'verifyCitizen',
  tags: ['Population register'],
  summary: 'Verify facts about a citizen without disclosing them',
  description:
    'Checks the claims given against the record and answers true/false per claim and overall. Stored values are never returned. Claims on fields the agency is not entitled to are not compared and are listed in `withheld`. Scope `citizen:verify`.',
  security: securedBy('citizen:verify'),
  request: {
    headers: headersOf('citizen:verify'),
    body: { required: true, content: { 'application/json': { schema: VerifyRequestSchema } } },
  },
  responses: {
    200: {
      description: 'The verification',
      headers: responseHeaders,
      content: { 'application/json': { schema: VerificationSchema } },
    },
    ...registryProblems,
  },
});

// --- Business register --------------------------------------------------------------------------------

export const BusinessViewSchema = z
  .object(businessShape)
  .partial()
  .required({ enterpriseCode: true })
  .openapi('Business', {
    description: 'A business record, holding only the fields both requested and entitled.',
    example: business,
  });

export const BusinessResponseSchema = z
  .object({
    data: BusinessViewSchema,
    withheld: withheld(BUSINESS_FIELDS),
    purpose: purposeEcho('business:read'),
  })
  .openapi('BusinessResponse', {
    example: { data: business, withheld: [], purpose: EXAMPLE_PURPOSES['business:read'] },
  });

const fieldsQuery = fieldList(BUSINESS_FIELDS, 'name,status,registeredAddress');

export const getBusinessRoute = createRoute({
  method: 'get',
  path: '/v1/businesses/{enterpriseCode}',
  operationId: 'getBusiness',
  tags: ['Business register'],
  summary: 'Look up an enterprise or branch',
  description:
    'Answers the record of the enterprise (10-digit code) or branch (`0123456789-001`), minimised to the fields both requested and entitled. Scope `business:read`.',
  security: securedBy('business:read'),
  request: {
    params: z.object({ enterpriseCode: EnterpriseCodeSchema }),
    query: z.object({ fields: fieldsQuery }),
    headers: headersOf('business:read'),
  },
  responses: {
    200: {
      description: 'The business, minimised',
      headers: responseHeaders,
      content: { 'application/json': { schema: BusinessResponseSchema } },
    },
    ...registryProblems,
  },
});

export const BusinessSearchQuerySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine((name) => distinctiveWords(name).length > 0, {
      message:
        'search by a word of the name other than its legal form (e.g. "Sông Hàn", not "Công ty cổ phần")',
    })
    .openapi({
      description:
        'Words of the name, in any order; each must appear as a whole word. Case and Vietnamese diacritics are ignored ("song han" and "SÔNG HÀN" both find "Sông Hàn"; "d" matches "đ"). Legal-form words (Công ty TNHH, Công ty cổ phần, ...) are ignored.',
      example: 'song han',
    }),
  province: z
    .string()
    .max(60)
    .refine((province) => findProvince(province) !== undefined, {
      message: 'not a province or centrally-run city (e.g. "Đà Nẵng", "da nang" or "048")',
    })
    .optional()
    .openapi({
      description:
        'Only businesses registered in this province: its name (diacritics optional) or 3-digit code.',
      example: 'Đà Nẵng',
    }),
  cursor: z
    .string()
    .max(2048)
    .optional()
    .openapi({ description: 'The `cursor` of the previous page, unchanged.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SEARCH_LIMIT.max)
    .default(SEARCH_LIMIT.default)
    .openapi({ description: `Page size, 1-${SEARCH_LIMIT.max}.`, example: SEARCH_LIMIT.default }),
  fields: fieldsQuery,
});
export type BusinessSearchQuery = z.infer<typeof BusinessSearchQuerySchema>;

export const BusinessSearchResponseSchema = z
  .object({
    items: z.array(BusinessViewSchema),
    cursor: z.string().optional().openapi({
      description:
        'Present when there may be more: pass it back for the next page. A page may be shorter than `limit`; stop when there is no cursor.',
    }),
    withheld: withheld(BUSINESS_FIELDS),
    purpose: purposeEcho('business:search'),
  })
  .openapi('BusinessSearchResult', {
    example: {
      items: [
        {
          enterpriseCode: business.enterpriseCode,
          name: business.name,
          status: business.status,
          registeredAddress: business.registeredAddress,
        },
      ],
      withheld: [],
      purpose: EXAMPLE_PURPOSES['business:search'],
    },
  });

export const searchBusinessesRoute = createRoute({
  method: 'get',
  path: '/v1/businesses',
  operationId: 'searchBusinesses',
  tags: ['Business register'],
  summary: 'Search businesses by name',
  description: `Finds businesses whose name has every word given, ignoring case and diacritics, optionally in one province; ordered by province, then name. Paged with an opaque cursor (\`limit\` ${SEARCH_LIMIT.default} by default, at most ${SEARCH_LIMIT.max}); each page costs the same whatever the register's size. Scope \`business:search\`.`,
  security: securedBy('business:search'),
  request: {
    query: BusinessSearchQuerySchema,
    headers: headersOf('business:search'),
  },
  responses: {
    200: {
      description: 'A page of businesses, each minimised',
      headers: responseHeaders,
      content: { 'application/json': { schema: BusinessSearchResponseSchema } },
    },
    ...registryProblems,
  },
});

/**
 * The registry's operations: the route each is served at, and what its scope lets a token do (the Authorize
 * dialog of /docs). The one list the handlers' scope checks, the refusal recorder's routing
 * (./refusals.ts), the scope descriptions and the route tests come from (the records they read:
 * shared/registry/operations.ts). A `lookup` is served by the one lookup handler (./app.ts): its operation's
 * record, by the route's `{key}` parameter, with `?fields=`; the other operations have their own handlers.
 */
export const registryOperations = [
  {
    operation: 'citizen:read',
    route: getCitizenRoute,
    lookup: true,
    scope: 'Look up a citizen in the population register (GET /v1/citizens/{nationalId})',
  },
  {
    operation: 'citizen:verify',
    route: verifyCitizenRoute,
    scope: 'Check facts about a citizen without seeing the record (POST /v1/citizens/verify)',
  },
  {
    operation: 'business:read',
    route: getBusinessRoute,
    lookup: true,
    scope: 'Look up an enterprise or branch in the business register (GET /v1/businesses/{code})',
  },
  {
    operation: 'business:search',
    route: searchBusinessesRoute,
    scope: 'Search the business register by name (GET /v1/businesses)',
  },
] as const satisfies readonly {
  operation: Operation;
  route: { operationId: string; method: string; path: string };
  scope: string;
  lookup?: true;
}[];

export type { BusinessField, CitizenField };
