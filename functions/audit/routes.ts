import { createRoute, z } from '@hono/zod-openapi';
import { VERIFY_MAX_LEAVES } from '../../shared/audit/log';
import { boundMs, Instant, rangeBound } from '../../shared/http/instant';
import { problemResponses, securedBy } from '../../shared/http/openapi';
import { PurposeNamesSchema } from '../../shared/identity/purposes';

export { rangeBound };

const security = securedBy('audit:read');
const tags = ['Audit'];

const SubjectSchema = z
  .string()
  .regex(
    /^(\d{12}|\d{10}(-\d{3})?)$/,
    'a subject is a 12-digit national ID or a 10/13-digit enterprise code',
  );

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
  .refine((q) => q.agency || q.subject, { message: 'give agency or subject (or both)', path: ['agency'] })
  .superRefine((q, ctx) => {
    // Zod runs this even when a bound failed its own check: that bound is NaN here, and its own issue is reported.
    if (q.from && q.to && boundMs(q.from, false) > boundMs(q.to, true)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `from (${q.from}) is after to (${q.to})` });
    }
  });

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
    outcome: z.enum(['served', 'refused', 'done']).openapi({
      description:
        'served: the registry answered (200, or 404 for no such record); refused: the attempt was refused before anything was read or disclosed (its status and reason say why; not metered or billed); done: an admin or billing action.',
    }),
    status: z.number().int().optional(),
    reason: z
      .string()
      .optional()
      .openapi({ description: 'For a refused attempt: the problem type and detail it was answered with.' }),
    refusedBeyondRecorded: z.number().int().optional().openapi({
      description: `On a record with action "refusals-beyond-limit": how many more of that credential's attempts in that minute were refused and counted, not recorded one by one (at most 20 a minute are).`,
    }),
    covertUntil: z.string().optional(),
    leafHash: z
      .string()
      .optional()
      .openapi({ description: "The record's leaf hash in the audit log (the receipt the caller got)." }),
  })
  .catchall(z.unknown())
  .openapi('AuditRecord');

export const auditEventsRoute = createRoute({
  method: 'get',
  path: '/audit/events',
  operationId: 'listAuditEvents',
  tags,
  security,
  summary: 'Audit trail by agency and/or subject, newest first (auditors see covert lookups too)',
  request: { query: AuditQuerySchema },
  responses: {
    200: {
      description: 'A page of audit records',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(AuditRecordSchema),
            cursor: z.string().optional(),
            purposeNames: PurposeNamesSchema,
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});

const Hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .openapi({ example: '5f9c2d0e7b41a8c3e6d2f1b09a7c4e3d8b2a6f0c1e9d7b5a3c8e2f4d6b0a9c1e' });

export const CheckpointSchema = z
  .object({
    treeSize: z.number().int().openapi({ description: 'How many audit records the log holds.' }),
    rootHash: Hash.openapi({ description: 'RFC 9162 Merkle tree hash of those records, lowercase hex.' }),
    timestamp: z.string().openapi({ description: 'When the checkpoint was signed (ISO 8601).' }),
    jws: z.string().openapi({
      description:
        'Compact JWS (ES256, `kid` from /.well-known/jwks.json, typ ndg-checkpoint+jws) whose payload is the canonical JSON of {origin, treeSize, rootHash, timestamp}.',
    }),
  })
  .openapi('Checkpoint');

export const checkpointRoute = createRoute({
  method: 'get',
  path: '/audit/log/checkpoint',
  operationId: 'getAuditCheckpoint',
  tags,
  security: [],
  summary: "The audit log's latest signed checkpoint (public: hashes only)",
  responses: {
    200: {
      description: 'The latest checkpoint',
      content: { 'application/json': { schema: CheckpointSchema } },
    },
    ...problemResponses(404, 503),
  },
});

export const proofRoute = createRoute({
  method: 'get',
  path: '/audit/log/proofs/{requestId}',
  operationId: 'getAuditInclusionProof',
  tags,
  security,
  summary:
    "The inclusion proof (RFC 9162 2.1.3) of one request's audit record against the latest signed checkpoint",
  description:
    'Verify offline with `npm run verify-audit-proof -- proof.json --jwks jwks.json`. 404 while the record is not in the tree yet (it is sealed within seconds).',
  request: {
    params: z.object({
      requestId: z
        .string()
        .regex(/^[A-Za-z0-9:_-]{1,100}$/, 'a request id is the X-Request-Id of the call')
        .openapi({ param: { name: 'requestId', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'The proof',
      content: {
        'application/json': {
          schema: z
            .object({
              leafIndex: z.number().int(),
              treeSize: z.number().int(),
              leafHash: Hash,
              auditPath: z.array(Hash),
              checkpoint: CheckpointSchema,
            })
            .openapi('InclusionProof'),
        },
      },
    },
    ...problemResponses(400, 401, 403, 404, 503),
  },
});

export const consistencyRoute = createRoute({
  method: 'get',
  path: '/audit/log/consistency',
  operationId: 'getAuditConsistencyProof',
  tags,
  security,
  summary: 'The consistency proof (RFC 9162 2.1.4) between two checkpointed tree sizes',
  request: {
    query: z.object({
      from: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ example: 1000 }),
      to: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ example: 2048 }),
    }),
  },
  responses: {
    200: {
      description: 'The proof',
      content: {
        'application/json': {
          schema: z
            .object({ from: z.number().int(), to: z.number().int(), proof: z.array(Hash) })
            .openapi('ConsistencyProof'),
        },
      },
    },
    ...problemResponses(400, 401, 403, 404, 503),
  },
});

export const auditVerifyRoute = createRoute({
  method: 'get',
  path: '/audit/verify',
  operationId: 'verifyAuditLog',
  tags,
  security,
  summary: 'Verify what was appended to the audit log since the last verified checkpoint',
  description: `Checks every record appended since the last verified checkpoint against its leaf, the tiles against the records, the new root against the signed checkpoint, and a consistency proof from the previous verified checkpoint; at most ${VERIFY_MAX_LEAVES} records a call (\`pending\` says how many more are checkpointed). The full re-verification is \`npm run audit:verify-all\`.`,
  responses: {
    200: {
      description: 'Verification result',
      content: {
        'application/json': {
          schema: z
            .object({
              ok: z.boolean(),
              checked: z.number().int(),
              from: z.number().int().openapi({ description: 'The tree size verified before this call' }),
              treeSize: z.number().int().openapi({ description: 'The tree size verified now' }),
              pending: z
                .number()
                .int()
                .openapi({ description: 'Checkpointed records left for the next call' }),
              firstBroken: z
                .object({
                  leafIndex: z.number().int().optional(),
                  id: z.string().optional(),
                  code: z
                    .enum(['changed', 'missing', 'signature', 'root', 'consistency', 'tile', 'entries'])
                    .openapi({ description: 'What is broken, for programs (reason says it in words)' }),
                  reason: z.string(),
                })
                .optional(),
            })
            .openapi('AuditVerification'),
        },
      },
    },
    ...problemResponses(401, 403, 503),
  },
});

export const subjectHistoryRoute = createRoute({
  method: 'get',
  path: '/audit/subjects/{subject}/history',
  operationId: 'getSubjectHistory',
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
            purposeNames: PurposeNamesSchema,
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
    ...problemResponses(400, 401, 403, 503),
  },
});
