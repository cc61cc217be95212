import { createRoute, z } from '@hono/zod-openapi';
import { compactEntitlements } from '../../shared/auth/tokens';
import { problemResponses, securedBy } from '../../shared/http/openapi';
import { CLIENT_ID_PATTERN, EntitlementSchema, ScopeSchema } from '../../shared/identity/model';
import { PlanInputSchema } from '../../shared/identity/plans';

const security = securedBy('admin');
const tags = ['Admin'];

export const AgencyIdParam = z.object({
  id: z
    .string()
    .regex(/^ag_[a-z0-9]{1,32}$/, 'an agency id looks like ag_0123456789abcdef')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'ag_3f2a9c0d1e4b5a67' }),
});

export const ClientIdParam = z.object({
  clientId: z
    .string()
    .regex(CLIENT_ID_PATTERN, 'a client id is 3-64 letters, digits, dot, dash or underscore')
    .openapi({ param: { name: 'clientId', in: 'path' }, example: 'ndgc_5d41402abc4b2a76b971' }),
});

export const AgencySchema = z
  .object({
    id: z.string().openapi({ example: 'ag_3f2a9c0d1e4b5a67' }),
    code: z.string().openapi({ example: 'BHXH-DN' }),
    name: z.string().openapi({ example: 'Bảo hiểm xã hội thành phố Đà Nẵng' }),
    status: z.enum(['active', 'suspended']),
    policyVersion: z.number().int(),
    planCode: z.string().optional(),
    planVersion: z.number().int().optional(),
    budget: z.object({ capVnd: z.number().int(), enforce: z.boolean() }).optional(),
    ledgerLanes: z.number().int().optional().openapi({
      description:
        "How many lanes the agency's month counter and rate window are split over (set from its plan's rate, never lowered); absent: 4.",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Agency');

const CreateAgencySchema = z
  .object({
    code: z
      .string()
      .regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'use 2-32 capital letters, digits or dashes, e.g. BHXH-DN'),
    name: z.string().trim().min(1).max(200),
  })
  .strict()
  .openapi('CreateAgency');

const UpdateAgencySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .strict()
  .refine((v) => v.name !== undefined || v.status !== undefined, 'send name or status')
  .openapi('UpdateAgency');

export const CredentialSchema = z
  .object({
    clientId: z.string(),
    agencyId: z.string(),
    scopes: z.array(ScopeSchema),
    status: z.enum(['active', 'revoked']),
    authMethod: z.enum(['client_secret', 'private_key_jwt']),
    publicJwk: z.record(z.string(), z.unknown()).optional(),
    secretCount: z.number().int(),
    secretsExpiring: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    revokedAt: z.string().optional(),
  })
  .openapi('Credential');

const IssueCredentialSchema = z
  .object({
    scopes: z
      .array(ScopeSchema)
      .min(1)
      .max(8)
      .openapi({ example: ['citizen:read', 'citizen:verify'] }),
    publicJwk: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Register this public key for private_key_jwt instead of getting a secret.' }),
  })
  .strict()
  .openapi('IssueCredential');

export const IssuedCredentialSchema = CredentialSchema.extend({
  clientSecret: z
    .string()
    .optional()
    .openapi({ description: 'Shown this once and never again; the gateway keeps only a slow hash.' }),
}).openapi('IssuedCredential');

const RotateSchema = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional()
      .openapi({ description: 'How long the previous secret keeps working (default 24 h).' }),
  })
  .strict();

/**
 * The most the entitlements may add to an access token (the `ent` claim, as JSON). A token is base64url (4/3)
 * and travels in every call's Authorization header, which API Gateway caps at 10,240 bytes with the other
 * headers: 5,000 bytes of claim keep a token under ~7.5 KB. Checked when entitlements are saved, so an agency
 * can never be given rights its tokens could not carry.
 */
export const MAX_ENTITLEMENT_CLAIM_BYTES = 5_000;

const EntitlementsBodySchema = z
  .object({ entitlements: z.array(EntitlementSchema).max(20) })
  .strict()
  .superRefine(({ entitlements }, ctx) => {
    const bytes = Buffer.byteLength(JSON.stringify(compactEntitlements(entitlements)));
    if (bytes > MAX_ENTITLEMENT_CLAIM_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['entitlements'],
        message: `these entitlements take ${bytes} bytes in every access token, over the ${MAX_ENTITLEMENT_CLAIM_BYTES} a token can carry within an API call's header limit: use fewer or shorter purpose codes or field names`,
      });
    }
  })
  .openapi('Entitlements');

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2048).optional(),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const errors = problemResponses(400, 401, 403, 404, 409, 503);

export const createAgencyRoute = createRoute({
  method: 'post',
  path: '/admin/agencies',
  operationId: 'createAgency',
  tags,
  security,
  summary: 'Register an agency',
  request: { body: body(CreateAgencySchema) },
  responses: { 201: json(AgencySchema, 'Created'), ...errors },
});

export const listAgenciesRoute = createRoute({
  method: 'get',
  path: '/admin/agencies',
  operationId: 'listAgencies',
  tags,
  security,
  summary: 'List agencies (paged)',
  request: { query: ListQuery },
  responses: {
    200: json(
      z.object({ items: z.array(AgencySchema), cursor: z.string().optional() }),
      'A page of agencies',
    ),
    ...errors,
  },
});

export const getAgencyRoute = createRoute({
  method: 'get',
  path: '/admin/agencies/{id}',
  operationId: 'getAgency',
  tags,
  security,
  summary: 'Read an agency',
  request: { params: AgencyIdParam },
  responses: { 200: json(AgencySchema, 'The agency'), ...errors },
});

export const updateAgencyRoute = createRoute({
  method: 'patch',
  path: '/admin/agencies/{id}',
  operationId: 'updateAgency',
  tags,
  security,
  summary: 'Rename, suspend or reactivate an agency',
  description: "Suspension takes effect on the agency's next request, whatever its tokens' expiry.",
  request: { params: AgencyIdParam, body: body(UpdateAgencySchema) },
  responses: { 200: json(AgencySchema, 'The updated agency'), ...errors },
});

export const getEntitlementsRoute = createRoute({
  method: 'get',
  path: '/admin/agencies/{id}/entitlements',
  operationId: 'getAgencyEntitlements',
  tags,
  security,
  summary: "Read an agency's entitlements",
  request: { params: AgencyIdParam },
  responses: { 200: json(EntitlementsBodySchema, 'Entitlements'), ...errors },
});

export const putEntitlementsRoute = createRoute({
  method: 'put',
  path: '/admin/agencies/{id}/entitlements',
  operationId: 'replaceAgencyEntitlements',
  tags,
  security,
  summary: "Replace an agency's entitlements (operations, purposes, fields)",
  description: 'Tokens issued under the previous entitlements stop working on their next request.',
  request: { params: AgencyIdParam, body: body(EntitlementsBodySchema) },
  responses: { 200: json(EntitlementsBodySchema, 'Entitlements'), ...errors },
});

export const issueCredentialRoute = createRoute({
  method: 'post',
  path: '/admin/agencies/{id}/credentials',
  operationId: 'issueCredential',
  tags,
  security,
  summary: 'Issue a client credential (secret shown once, or a registered public JWK)',
  request: { params: AgencyIdParam, body: body(IssueCredentialSchema) },
  responses: { 201: json(IssuedCredentialSchema, 'Issued'), ...errors },
});

export const listCredentialsRoute = createRoute({
  method: 'get',
  path: '/admin/agencies/{id}/credentials',
  operationId: 'listCredentials',
  tags,
  security,
  summary: "List an agency's credentials (never their secrets)",
  request: { params: AgencyIdParam },
  responses: { 200: json(z.object({ items: z.array(CredentialSchema) }), 'Credentials'), ...errors },
});

export const rotateCredentialRoute = createRoute({
  method: 'post',
  path: '/admin/credentials/{clientId}/rotate',
  operationId: 'rotateCredentialSecret',
  tags,
  security,
  summary: 'Rotate a client secret (the previous one works during the overlap)',
  request: {
    params: ClientIdParam,
    body: { required: false, content: { 'application/json': { schema: RotateSchema } } },
  },
  responses: {
    200: json(
      IssuedCredentialSchema.extend({ previousSecretExpiresAt: z.string() }).openapi('RotatedCredential'),
      'Rotated',
    ),
    ...errors,
  },
});

export const revokeCredentialRoute = createRoute({
  method: 'delete',
  path: '/admin/credentials/{clientId}',
  operationId: 'revokeCredential',
  tags,
  security,
  summary: 'Revoke a credential (effective on the next request)',
  request: { params: ClientIdParam },
  responses: { 200: json(CredentialSchema, 'Revoked'), ...errors },
});

export const rotateSigningKeysRoute = createRoute({
  method: 'post',
  path: '/admin/signing-keys/rotate',
  operationId: 'rotateSigningKey',
  tags,
  security,
  summary: "Rotate the gateway's token signing key (the previous key stays in the JWKS)",
  responses: {
    200: json(z.object({ kid: z.string(), previousKid: z.string().optional() }), 'Rotated'),
    ...errors,
  },
});

const PlanSchema = z
  .object({
    code: z.string().openapi({ example: 'STANDARD' }),
    name: z.string().openapi({ example: 'Gói tiêu chuẩn' }),
    version: z.number().int(),
    rateLimit: z.object({ perSecond: z.number().int(), burst: z.number().int() }),
    monthlyQuota: z.number().int().openapi({ example: 100000 }),
    includedCalls: z.number().int().openapi({ example: 1000 }),
    monthlyFeeVnd: z.number().int().openapi({ example: 2000000 }),
    unitPricesVnd: z.record(z.string(), z.number().int()).openapi({ example: { 'citizen:read': 500 } }),
    tiersVnd: z
      .record(
        z.string(),
        z.array(z.object({ upTo: z.number().int().optional(), priceVnd: z.number().int() })),
      )
      .optional()
      .openapi({ example: { 'citizen:read': [{ upTo: 10000, priceVnd: 500 }, { priceVnd: 300 }] } }),
    createdAt: z.string(),
  })
  .openapi('Plan');

export const savePlanRoute = createRoute({
  method: 'post',
  path: '/admin/plans',
  operationId: 'savePlan',
  tags,
  security,
  summary: 'Create a price plan, or its next version (all money in integer VND)',
  request: { body: body(PlanInputSchema.openapi('PlanInput')) },
  responses: { 201: json(PlanSchema, 'The new plan version'), ...errors },
});

export const listPlansRoute = createRoute({
  method: 'get',
  path: '/admin/plans',
  operationId: 'listPlans',
  tags,
  security,
  summary: 'List plans (current versions)',
  responses: { 200: json(z.object({ items: z.array(PlanSchema) }), 'Plans'), ...errors },
});

export const assignPlanRoute = createRoute({
  method: 'put',
  path: '/admin/agencies/{id}/plan',
  operationId: 'assignAgencyPlan',
  tags,
  security,
  summary: "Put an agency on a plan's current version",
  request: {
    params: AgencyIdParam,
    body: body(z.object({ planCode: z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/) }).strict()),
  },
  responses: { 200: json(AgencySchema, 'The agency'), ...errors },
});

export const setBudgetRoute = createRoute({
  method: 'put',
  path: '/admin/agencies/{id}/budget',
  operationId: 'setAgencyBudget',
  tags,
  security,
  summary: "Set an agency's monthly budget cap in VND, VAT included (null removes it)",
  description:
    'Finance sees month-to-date spend against the cap (GET /billing/budgets/{YYYY-MM}); with `enforce`, ' +
    'registry calls are refused with 402 once the cap is reached, from the next call.',
  request: {
    params: AgencyIdParam,
    body: body(
      z
        .object({
          capVnd: z.number().int('money is integer VND').min(0).max(1_000_000_000_000).nullable(),
          enforce: z.boolean().default(false),
        })
        .strict(),
    ),
  },
  responses: { 200: json(AgencySchema, 'The agency'), ...errors },
});
