import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../shared/http/openapi';

const security = [{ bearer: [] }];
const tags = ['Audit'];

const SubjectSchema = z
  .string()
  .regex(
    /^(\d{12}|\d{10}(-\d{3})?)$/,
    'a subject is a 12-digit national ID or a 10/13-digit enterprise code',
  );
const Instant = z.iso.datetime({ offset: true }).or(z.iso.date());

export const AuditQuerySchema = z
  .object({
    agency: z
      .string()
      .regex(/^ag_[a-z0-9]{1,32}$/, 'an agency id looks like ag_0123456789abcdef')
      .optional(),
    subject: SubjectSchema.optional().openapi({ example: '001099012345' }),
    from: Instant.optional().openapi({ example: '2026-11-01' }),
    to: Instant.optional().openapi({ example: '2026-11-30T23:59:59+07:00' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(2048).optional(),
  })
  .refine((q) => q.agency || q.subject, { message: 'give agency or subject (or both)', path: ['agency'] });

const AuditRecordSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.enum(['registry-call', 'admin-action', 'billing-action']),
    actor: z.object({ clientId: z.string(), agencyId: z.string() }),
    action: z.string().openapi({ example: 'citizen:read' }),
    subject: z.string().optional(),
    target: z.string().optional(),
    purpose: z.string().optional(),
    officerId: z.string().optional(),
    caseId: z.string().optional(),
    outcome: z.string(),
    status: z.number().int().optional(),
    covertUntil: z.string().optional(),
    seal: z
      .object({ shard: z.number(), seq: z.number(), chainHash: z.string(), sealedAt: z.string() })
      .optional(),
  })
  .catchall(z.unknown())
  .openapi('AuditRecord');

export const auditEventsRoute = createRoute({
  method: 'get',
  path: '/audit/events',
  tags,
  security,
  summary: 'Audit trail by agency and/or subject, newest first (auditors see covert lookups too)',
  request: { query: AuditQuerySchema },
  responses: {
    200: {
      description: 'A page of audit records',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(AuditRecordSchema), cursor: z.string().optional() }),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

export const auditVerifyRoute = createRoute({
  method: 'get',
  path: '/audit/verify',
  tags,
  security,
  summary: 'Recompute the hash chains and name the first broken link',
  responses: {
    200: {
      description: 'Verification result',
      content: {
        'application/json': {
          schema: z
            .object({
              ok: z.boolean(),
              checked: z.number().int(),
              pending: z.number().int().openapi({ description: 'Records written but not sealed yet' }),
              shards: z.number().int(),
              firstBroken: z
                .object({ shard: z.number(), seq: z.number(), id: z.string().optional(), reason: z.string() })
                .optional(),
            })
            .openapi('AuditVerification'),
        },
      },
    },
    ...problemResponses(401, 403),
  },
});

export const subjectHistoryRoute = createRoute({
  method: 'get',
  path: '/audit/subjects/{subject}/history',
  tags,
  security,
  summary:
    "A person's or company's access history, as it may be shown to them (covert lookups hidden until their date)",
  request: {
    params: z.object({
      subject: SubjectSchema.openapi({ param: { name: 'subject', in: 'path' }, example: '001099012345' }),
    }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(2048).optional(),
    }),
  },
  responses: {
    200: {
      description: 'Who looked, when, and for what purpose',
      content: {
        'application/json': {
          schema: z.object({
            subject: z.string(),
            items: z.array(
              z.object({
                at: z.string(),
                agency: z.object({
                  id: z.string(),
                  code: z.string().optional(),
                  name: z.string().optional(),
                }),
                operation: z.string(),
                purpose: z.string().optional(),
              }),
            ),
            cursor: z.string().optional(),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

export const auditRoutes = [auditEventsRoute, auditVerifyRoute, subjectHistoryRoute];
