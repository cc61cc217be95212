import { createRoute, z } from '@hono/zod-openapi';

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']).openapi({ example: 'ok' }),
    store: z.enum(['reachable', 'unreachable']).openapi({ example: 'reachable' }),
    time: z.string().openapi({ example: '2026-11-27T10:00:00.000Z' }),
  })
  .openapi('Health');

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['Public'],
  security: [],
  summary: 'Liveness and store reachability',
  responses: {
    200: {
      description: 'The gateway and its store answer',
      content: { 'application/json': { schema: HealthSchema } },
    },
    503: {
      description: 'The store does not answer',
      content: { 'application/json': { schema: HealthSchema } },
    },
  },
});
