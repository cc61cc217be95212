import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../shared/http/openapi';

const Day = z.iso.date();
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM');

export const UsageQuerySchema = z.object({
  agency: z
    .string()
    .regex(/^ag_[a-z0-9]{1,32}$/, 'an agency id looks like ag_0123456789abcdef')
    .optional(),
  from: Day.or(Month)
    .optional()
    .openapi({ example: '2026-11-01', description: 'Day or month in Asia/Ho_Chi_Minh' }),
  to: Day.or(Month).optional().openapi({ example: '2026-11-30' }),
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
  tags: ['Billing'],
  security: [{ bearer: [] }],
  summary: 'Metered usage from the ledger counters, by day or month (midnight Asia/Ho_Chi_Minh)',
  description: 'The same counters the quota is enforced with: what is enforced is what is billed.',
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
            items: z.array(UsageRowSchema),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

export const billingRoutes = [usageRoute];
