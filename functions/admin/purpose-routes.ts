import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses, securedBy } from '../../shared/http/openapi';
import { PurposeSchema } from '../../shared/identity/model';
import { PurposeInputSchema } from '../../shared/identity/purposes';

const security = securedBy('admin');
const tags = ['Admin'];

export const PurposeCodeParam = z.object({
  // .meta, not .openapi: PurposeSchema is built with plain zod (shared/identity/model.ts), which may load first.
  code: PurposeSchema.meta({
    param: { name: 'code', in: 'path' },
    example: '1.004194',
    description: 'The administrative procedure code (1-64 letters, digits, dot, colon, dash or underscore).',
  }),
});

export const PurposeEntrySchema = z
  .object({
    code: z.string().openapi({ example: '1.004194' }),
    name: z.string().openapi({ example: 'Đăng ký thường trú' }),
    legalBasis: z.string().openapi({ example: 'Luật Cư trú 2020; Nghị định 62/2021/NĐ-CP' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Purpose');

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const listPurposesRoute = createRoute({
  method: 'get',
  path: '/admin/purposes',
  operationId: 'listPurposes',
  tags,
  security,
  summary: 'The purpose catalogue: every procedure code entitlements may name, sorted by code',
  responses: {
    200: json(z.object({ items: z.array(PurposeEntrySchema) }), 'The catalogue'),
    ...problemResponses(401, 403, 503),
  },
});

export const getPurposeRoute = createRoute({
  method: 'get',
  path: '/admin/purposes/{code}',
  operationId: 'getPurpose',
  tags,
  security,
  summary: 'Read one catalogue entry',
  request: { params: PurposeCodeParam },
  responses: { 200: json(PurposeEntrySchema, 'The entry'), ...problemResponses(400, 401, 403, 404, 503) },
});

export const putPurposeRoute = createRoute({
  method: 'put',
  path: '/admin/purposes/{code}',
  operationId: 'putPurpose',
  tags,
  security,
  summary: 'Add a procedure code to the catalogue, or change its name or legal basis',
  description:
    'Creates the entry (201) or updates it (200); an update that changes nothing writes nothing. Names and legal ' +
    'bases are stored NFC-normalised and trimmed. Entries are never deleted: entitlements and closed statements ' +
    'name their codes. Every change is audited with its before and after.',
  request: {
    params: PurposeCodeParam,
    body: {
      required: true,
      content: { 'application/json': { schema: PurposeInputSchema.openapi('PurposeInput') } },
    },
  },
  responses: {
    200: json(PurposeEntrySchema, 'Updated (or unchanged)'),
    201: json(PurposeEntrySchema, 'Created'),
    ...problemResponses(400, 401, 403, 409, 503),
  },
});
