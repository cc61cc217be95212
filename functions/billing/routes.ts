import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../../shared/auth/middleware';
import { problemResponses, securedBy } from '../../shared/http/openapi';
import { OPERATIONS } from '../../shared/identity/model';
import { PurposeNamesSchema } from '../../shared/identity/purposes';

const Day = z.iso.date();
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM');

/** A usage range bound: no call was metered before 1970. */
const UsageBound = Day.or(Month).refine((value) => value >= '1970-01', 'a day or month is from 1970 on');

export const UsageQuerySchema = z.object({
  agency: z
    .string()
    .regex(/^ag_[a-z0-9]{1,32}$/, 'an agency id looks like ag_0123456789abcdef')
    .optional(),
  from: UsageBound.optional().openapi({
    example: '2026-11-01',
    description: 'Day or month in Asia/Ho_Chi_Minh, from 1970 on',
  }),
  to: UsageBound.optional().openapi({ example: '2026-11-30' }),
  granularity: z.enum(['day', 'month']).default('month'),
});

const UsageRowSchema = z
  .object({
    agencyId: z.string(),
    period: z.string().openapi({ example: '2026-11' }),
    day: z.string().optional().openapi({ example: '2026-11-27' }),
    calls: z.number().int(),
    billable: z.number().int().optional(),
    operations: z.record(
      z.string(),
      z.object({ calls: z.number().int(), billable: z.number().int().optional() }),
    ),
    purposes: z.record(z.string(), z.record(z.string(), z.number().int())).optional(),
  })
  .openapi('UsageRow');

export const usageRoute = createRoute({
  method: 'get',
  path: '/billing/usage',
  operationId: 'getUsage',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: 'Metered usage from the ledger counters, by day or month (midnight Asia/Ho_Chi_Minh)',
  description:
    "Month totals (calls, billable, per operation) are the sum of the same lanes the quota is enforced with: what is enforced is what is billed, exact at once. The daily and per-purpose breakdown is counted from the audit log as the sealer appends each call's record (seconds behind): `breakdownAsOf` says up to when.",
  request: { query: UsageQuerySchema },
  responses: {
    200: {
      description: 'Usage rows',
      content: {
        'application/json': {
          schema: z.object({
            granularity: z.enum(['day', 'month']),
            from: z.string(),
            to: z.string(),
            breakdownAsOf: z.string().optional().openapi({
              description: 'The audit checkpoint the daily and per-purpose figures count up to (ISO 8601).',
            }),
            items: z.array(UsageRowSchema),
            purposeNames: PurposeNamesSchema,
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});

const AgencyId = z
  .string()
  .regex(/^ag_[a-z0-9]{1,32}$/, 'an agency id looks like ag_0123456789abcdef')
  .openapi({ example: 'ag_3f2a9c0d1e4b5a67' });

const PeriodParam = z.object({
  period: Month.openapi({
    param: { name: 'period', in: 'path' },
    example: '2026-11',
    description: 'A calendar month in Asia/Ho_Chi_Minh',
  }),
});

const TierLineSchema = z.object({
  plan: z.string(),
  version: z.number().int(),
  fromCall: z.number().int(),
  toCall: z.number().int(),
  calls: z.number().int(),
  unitPriceVnd: z.number().int(),
  amountVnd: z.number().int(),
});

const AdjustmentLineSchema = z
  .object({
    period: z.string(),
    operation: z.string(),
    reason: z.enum(['late-usage', 'reversal']),
    calls: z.number().int(),
    billable: z.number().int(),
    amountVnd: z.number().int(),
    description: z.string(),
  })
  .openapi('StatementAdjustment');

export const StatementSchema = z
  .object({
    agencyId: z.string(),
    agencyName: z.string().openapi({ example: 'Bảo hiểm xã hội thành phố Đà Nẵng' }),
    period: z.string(),
    currency: z.literal('VND'),
    plans: z.array(z.object({ code: z.string(), version: z.number().int(), name: z.string() })),
    feePlan: z.object({ code: z.string(), version: z.number().int() }),
    includedCalls: z
      .object({ allowance: z.number().int(), used: z.number().int() })
      .optional()
      .openapi({ description: "The fee plan's included calls this month and how many were used" }),
    lines: z.array(
      z.object({
        operation: z.string(),
        calls: z.number().int(),
        billable: z.number().int(),
        included: z.number().int(),
        chargeable: z.number().int(),
        tiers: z.array(TierLineSchema),
        amountVnd: z.number().int(),
      }),
    ),
    usageVnd: z.number().int(),
    monthlyFeeVnd: z.number().int(),
    adjustments: z.array(AdjustmentLineSchema),
    adjustmentsVnd: z.number().int(),
    subtotalVnd: z.number().int(),
    vatPercent: z.number().int(),
    vatVnd: z.number().int(),
    totalVnd: z.number().int(),
  })
  .openapi('Statement');

const SignedStatementSchema = z
  .object({
    statement: StatementSchema,
    closedAt: z.string(),
    sha256: z
      .string()
      .openapi({ description: 'SHA-256 (hex) of the canonical JSON of {closedAt, statement}' }),
    kid: z.string(),
    jws: z.string().openapi({ description: 'Compact JWS (ES256, gateway key) over those canonical bytes' }),
  })
  .openapi('SignedStatement');

const csv = (description: string) => ({
  'text/csv': { schema: z.string().openapi({ description }) },
});

export const statementRoute = createRoute({
  method: 'get',
  path: '/billing/statements/{period}',
  operationId: 'getStatement',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: "An agency's monthly statement in integer VND (Accept: text/csv for a spreadsheet)",
  description:
    'Open periods are computed from the ledger counters on each request; a closed period answers with its ' +
    'stored, signed statement, which never changes.',
  request: { params: PeriodParam, query: z.object({ agency: AgencyId }) },
  responses: {
    200: {
      description: 'The statement',
      content: {
        'application/json': {
          schema: z.object({
            status: z.enum(['open', 'closed']),
            statement: StatementSchema,
            signed: SignedStatementSchema.optional(),
          }),
        },
        ...csv('The same statement as UTF-8 CSV with a byte order mark'),
      },
    },
    ...problemResponses(400, 401, 403, 404, 503),
  },
});

export const signedStatementRoute = createRoute({
  method: 'get',
  path: '/billing/statements/{period}/signed',
  operationId: 'getSignedStatement',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: 'The closed statement as a signed file, for `npm run verify-statement -- file.json`',
  request: { params: PeriodParam, query: z.object({ agency: AgencyId }) },
  responses: {
    200: {
      description: 'Canonical JSON: verify it offline with the JWKS at /.well-known/jwks.json',
      content: { 'application/json': { schema: SignedStatementSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 503),
  },
});

const EntrySchema = z
  .object({
    requestId: z.string(),
    at: z.string(),
    operation: z.string(),
    purpose: z.string().optional(),
    status: z.number().int().optional(),
    billable: z.boolean(),
    plan: z.string(),
    planVersion: z.number().int(),
    idempotencyKey: z.string().optional(),
  })
  .openapi('StatementEntry');

export const statementEntriesRoute = createRoute({
  method: 'get',
  path: '/billing/statements/{period}/entries',
  operationId: 'listStatementEntries',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: 'The request ids behind each statement line, oldest first (Accept: text/csv for a spreadsheet)',
  request: {
    params: PeriodParam,
    query: z.object({
      agency: AgencyId,
      operation: z.enum(OPERATIONS).optional(),
      cursor: z.string().max(2000).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(500),
    }),
  },
  responses: {
    200: {
      description:
        'One page of ledger entries; pass `cursor` back for the next (CSV: the X-Next-Cursor header)',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(EntrySchema),
            cursor: z.string().optional(),
            purposeNames: PurposeNamesSchema,
          }),
        },
        ...csv('The same page as UTF-8 CSV with a byte order mark'),
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});

export const closePeriodRoute = createRoute({
  method: 'post',
  path: '/billing/periods/{period}/close',
  operationId: 'closePeriod',
  tags: ['Billing'],
  security: securedBy('billing:close'),
  // The area admits billing:read too; closing changes what is billed.
  middleware: [requireScope('billing:close', 'Closing a period')] as const,
  summary: "Close a month: store, hash and sign every agency's statement (scope billing:close)",
  description:
    'Only after the month has ended in Asia/Ho_Chi_Minh (409 before). Closing again returns the same stored ' +
    'statements and signatures. Usage metered later for a closed month appears as an adjustment on the next ' +
    'statement generated.',
  request: { params: PeriodParam },
  responses: {
    200: {
      description: 'The closed period and its signed statements',
      content: {
        'application/json': {
          schema: z.object({
            period: z.string(),
            closedAt: z.string(),
            statements: z.array(SignedStatementSchema),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 409, 503),
  },
});

const Totals = z.object({ calls: z.number().int(), billable: z.number().int(), amountVnd: z.number().int() });
const AgencyTotals = z.object({
  agencyId: z.string(),
  agencyName: z.string(),
  status: z.enum(['open', 'closed']),
  calls: z.number().int(),
  billable: z.number().int(),
  totalVnd: z.number().int(),
});

export const summaryRoute = createRoute({
  method: 'get',
  path: '/billing/summary/{period}',
  operationId: 'getBillingSummary',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: 'Finance view of a month: totals by agency, operation and purpose, and the top agencies by spend',
  request: {
    params: PeriodParam,
    query: z.object({ top: z.coerce.number().int().min(1).max(100).default(10) }),
  },
  responses: {
    200: {
      description: 'Totals (VAT included in agency totals)',
      content: {
        'application/json': {
          schema: z.object({
            period: z.string(),
            totalVnd: z.number().int(),
            agencies: z.array(AgencyTotals),
            byOperation: z.record(z.string(), Totals),
            byPurpose: z.record(z.string(), z.record(z.string(), z.number().int())),
            purposeNames: PurposeNamesSchema,
            topAgencies: z.array(AgencyTotals),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});

const ReversalSchema = z
  .object({
    agencyId: z.string(),
    period: z.string(),
    requestId: z.string(),
    operation: z.string(),
    plan: z.string(),
    planVersion: z.number().int(),
    reason: z.string(),
    reversedAt: z.string(),
    reversedBy: z.string(),
  })
  .openapi('Reversal');

export const reverseCallRoute = createRoute({
  method: 'post',
  path: '/billing/reversals',
  operationId: 'refundCall',
  tags: ['Billing'],
  middleware: [requireScope('billing:close', 'Refunding a call')] as const,
  security: securedBy('billing:close'),
  summary: 'Refund one billed call (scope billing:close)',
  description:
    'Appends a reversal: the call stays in the ledger and the audit trail, and the refund appears as an ' +
    'adjustment line on the statement (the next open one when its month is closed). A call is refunded once.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              agencyId: AgencyId,
              period: Month,
              requestId: z.string().min(1).max(128),
              // Wider than the registry's Idempotency-Key: calls made before it was narrowed stay refundable.
              idempotencyKey: z
                .string()
                .regex(/^[\x20-\x7E]{1,128}$/)
                .optional()
                .openapi({ description: 'The Idempotency-Key the call was made with, if any.' }),
              reason: z
                .string()
                .trim()
                .min(3)
                .max(500)
                .openapi({ example: 'Dữ liệu sai do lỗi đồng bộ của cơ quan quản lý' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: { description: 'The reversal', content: { 'application/json': { schema: ReversalSchema } } },
    ...problemResponses(400, 401, 403, 404, 409, 503),
  },
});

export const reversalsRoute = createRoute({
  method: 'get',
  path: '/billing/reversals',
  operationId: 'listReversals',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: "An agency's refunds for a month, each naming the call it refunds",
  request: { query: z.object({ agency: AgencyId, period: Month }) },
  responses: {
    200: {
      description: 'Reversals',
      content: { 'application/json': { schema: z.object({ items: z.array(ReversalSchema) }) } },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});

export const budgetsRoute = createRoute({
  method: 'get',
  path: '/billing/budgets/{period}',
  operationId: 'getBudgets',
  tags: ['Billing'],
  security: securedBy('billing:read', 'billing:close'),
  summary: 'Month-to-date spend against each agency budget cap (VAT included)',
  request: { params: PeriodParam },
  responses: {
    200: {
      description: 'Agencies with a budget cap',
      content: {
        'application/json': {
          schema: z.object({
            period: z.string(),
            items: z.array(
              z.object({
                agencyId: z.string(),
                agencyName: z.string(),
                capVnd: z.number().int(),
                enforce: z.boolean(),
                spentVnd: z.number().int(),
                remainingVnd: z.number().int(),
                reached: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});
