import { createRoute, z } from '@hono/zod-openapi';
import { boundMs, Instant } from '../../shared/http/instant';
import { problemResponses, securedBy } from '../../shared/http/openapi';
import { OPERATIONS, traceId } from '../../shared/identity/model';
import { signedStatementRoute, statementRoute, UsageQuerySchema, usageRoute } from './routes';

const security = securedBy('self:read');
const tags = ['Self-service'];

/** The same month parameter as finance's statement routes. */
const PeriodParam = statementRoute.request.params;

const RateLimitSchema = z.object({ perSecond: z.number().int(), burst: z.number().int() });

const MePlanSchema = z
  .object({
    code: z.string().openapi({ example: 'STANDARD' }),
    version: z.number().int(),
    name: z.string().openapi({ example: 'Gói tiêu chuẩn' }),
    rateLimit: RateLimitSchema,
    monthlyQuota: z.number().int(),
    includedCalls: z.number().int(),
    monthlyFeeVnd: z.number().int(),
    unitPricesVnd: z.record(z.string(), z.number().int()).openapi({ example: { 'citizen:read': 500 } }),
    tiersVnd: z
      .record(
        z.string(),
        z.array(z.object({ upTo: z.number().int().optional(), priceVnd: z.number().int() })),
      )
      .optional(),
  })
  .openapi('OwnPlan');

const MeSchema = z
  .object({
    agency: z.object({
      id: z.string().openapi({ example: 'ag_3f2a9c0d1e4b5a67' }),
      code: z.string().openapi({ example: 'BHXH-DN' }),
      name: z.string().openapi({ example: 'Bảo hiểm xã hội thành phố Đà Nẵng' }),
      status: z.enum(['active', 'suspended']),
    }),
    plan: MePlanSchema.nullable().openapi({
      description: 'null without a plan: calls are priced at zero, within the platform defaults in `limits`.',
    }),
    limits: z
      .object({
        source: z.enum(['plan', 'default']),
        rateLimit: RateLimitSchema,
        monthlyQuota: z.number().int(),
      })
      .openapi({
        description: "The limits that apply: the plan's, or the platform defaults.",
      }),
    entitlements: z.array(
      z.object({
        operation: z.enum(OPERATIONS),
        purposes: z.array(
          z.object({
            code: z.string().openapi({ example: '1.004194' }),
            name: z.string().nullable().openapi({
              example: 'Đăng ký thường trú',
              description: 'null for a code not in the catalogue.',
            }),
          }),
        ),
        fields: z
          .array(z.string())
          .optional()
          .openapi({ description: 'The fields the agency receives; absent: every field of the record.' }),
        covertUntil: z.string().optional(),
      }),
    ),
    month: z.object({
      period: z.string().openapi({ example: '2026-11' }),
      calls: z.number().int().openapi({ description: 'Calls counted this month (against the quota).' }),
      billable: z.number().int(),
      quotaRemaining: z.number().int(),
      budget: z
        .object({
          capVnd: z.number().int(),
          enforce: z.boolean(),
          spentVnd: z
            .number()
            .int()
            .openapi({ description: "This month's statement total so far, VAT included." }),
          remainingVnd: z.number().int(),
          reached: z.boolean(),
        })
        .nullable()
        .openapi({ description: 'The monthly budget cap and the spend against it; null without a cap.' }),
    }),
  })
  .openapi('OwnAccount');

const refusesAgency = "The caller's own agency only; an `agency` parameter is a 400.";

export const getMeRoute = createRoute({
  method: 'get',
  path: '/me',
  operationId: 'getOwnAccount',
  tags,
  security,
  summary: "The caller's agency: its plan and limits, entitlements, and this month's calls, quota and budget",
  description: `${refusesAgency} Budget spend: this month's statement total.`,
  responses: {
    200: { description: 'The account', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(400, 401, 403, 503),
  },
});

export const getMyUsageRoute = createRoute({
  method: 'get',
  path: '/me/usage',
  operationId: 'getOwnUsage',
  tags,
  security,
  summary:
    "The caller's agency's metered usage by day or month: the same counters and shape as /billing/usage",
  description: `${refusesAgency} ${usageRoute.description ?? ''}`,
  request: { query: UsageQuerySchema.omit({ agency: true }) },
  responses: { 200: usageRoute.responses[200], ...problemResponses(400, 401, 403, 503) },
});

export const getMyStatementRoute = createRoute({
  method: 'get',
  path: '/me/statements/{period}',
  operationId: 'getOwnStatement',
  tags,
  security,
  summary: "The caller's agency's monthly statement in integer VND (Accept: text/csv for a spreadsheet)",
  description: `${refusesAgency} The statement finance reads at /billing/statements/{period}.`,
  request: { params: PeriodParam },
  responses: { 200: statementRoute.responses[200], ...problemResponses(400, 401, 403, 503) },
});

export const getMySignedStatementRoute = createRoute({
  method: 'get',
  path: '/me/statements/{period}/signed',
  operationId: 'getOwnSignedStatement',
  tags,
  security,
  summary:
    'The closed statement as a signed file, for `npm run verify-statement -- file.json` (404 while open)',
  request: { params: PeriodParam },
  responses: { 200: signedStatementRoute.responses[200], ...problemResponses(400, 401, 403, 404, 503) },
});

/** A read of the agency's own calls stops after this many records, so a filtered read costs a bounded amount. */
export const CALLS_SCAN_LIMIT = 1_000;

export const MyCallsQuerySchema = z
  .object({
    from: Instant.optional().openapi({ example: '2026-11-01' }),
    to: Instant.optional().openapi({ example: '2026-11-30T23:59:59+07:00' }),
    // .meta, not .openapi: traceId is built with plain zod (shared/identity/model.ts), which may load first.
    officer: traceId('an officer id').optional().meta({
      example: 'CB-048-0192',
      description: 'Only calls made with this X-Officer-Id.',
    }),
    case: traceId('a case id').optional().meta({
      example: 'HS-2026/001234',
      description: 'Only calls made with this X-Case-Id.',
    }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(2048).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && boundMs(q.from, false) > boundMs(q.to, true)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `from (${q.from}) is after to (${q.to})` });
    }
  });

const CallSchema = z
  .object({
    requestId: z.string(),
    at: z.string(),
    operation: z.string().openapi({ example: 'citizen:read' }),
    subject: z.string().optional().openapi({ example: '001099012345' }),
    purpose: z.string().optional().openapi({ example: '1.004194' }),
    purposeName: z.string().nullable().openapi({ example: 'Đăng ký thường trú' }),
    officerId: z.string().optional(),
    caseId: z.string().optional(),
    status: z.number().int().optional(),
    outcome: z.enum(['served', 'refused']),
    billable: z.boolean().optional(),
    reason: z.string().optional().openapi({ description: 'Why a refused call was refused.' }),
    replayOf: z
      .string()
      .optional()
      .openapi({ description: 'The request an Idempotency-Key replay repeats.' }),
    refusedBeyondRecorded: z.number().int().optional().openapi({
      description:
        'With operation "refusals-beyond-limit": the further refusals of that minute, counted only.',
    }),
  })
  .openapi('OwnCall');

export const listMyCallsRoute = createRoute({
  method: 'get',
  path: '/me/calls',
  operationId: 'listOwnCalls',
  tags,
  security,
  summary: "The caller's agency's registry calls, served and refused, newest first",
  description: `${refusesAgency} An answer reads at most ${CALLS_SCAN_LIMIT} records, so a filtered page may be short (even empty) and still give a \`nextCursor\`: follow it until absent.`,
  request: { query: MyCallsQuerySchema },
  responses: {
    200: {
      description: 'A page of calls; pass nextCursor back as cursor for the next',
      content: {
        'application/json': {
          schema: z.object({ calls: z.array(CallSchema), nextCursor: z.string().optional() }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});
