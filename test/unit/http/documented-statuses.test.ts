import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  documentedOperations,
  enforceDocumentedStatuses,
  operationFor,
  UndocumentedStatusError,
} from '../../support/documented-statuses';

const document = {
  paths: {
    '/things/{id}': {
      get: { operationId: 'getThing', responses: { 200: {}, 404: {} } },
      delete: { operationId: 'deleteThing', responses: { '2XX': {} } },
    },
    '/things/special': { get: { operationId: 'getSpecialThing', responses: { 200: {} } } },
    '/things/{id}/parts': { get: { operationId: 'listParts', responses: { default: {} } } },
  },
};

function app() {
  const hono = new Hono();
  hono.get('/things/special', (c) => c.text('special'));
  hono.get('/things/:id', (c) => c.text('gone', c.req.param('id') === 'lost' ? 410 : 200));
  hono.delete('/things/:id', (c) => c.body(null, 204));
  hono.get('/things/:id/parts', (c) => c.text('parts', 418));
  hono.get('/page', (c) => c.text('not an operation', 299 as 200));
  return hono;
}

describe('documented statuses (the test gateway check)', () => {
  const operations = documentedOperations(document);

  it('matches a request to its operation, a literal segment before a parameter, as hono routes', () => {
    expect(operationFor(operations, 'GET', '/things/special')?.operationId).toBe('getSpecialThing');
    expect(operationFor(operations, 'GET', '/things/42')?.operationId).toBe('getThing');
    expect(operationFor(operations, 'GET', '/things/42/parts')?.operationId).toBe('listParts');
    expect(operationFor(operations, 'GET', '/things/')).toBeUndefined();
    expect(operationFor(operations, 'GET', '/things//parts')).toBeUndefined();
    expect(operationFor(operations, 'POST', '/things/42')).toBeUndefined();
  });

  it('fails a request whose status its operation does not document, naming the operation and the status', async () => {
    const hono = app();
    enforceDocumentedStatuses(hono, document);
    await expect(hono.request('/things/lost')).rejects.toThrow(UndocumentedStatusError);
    await expect(hono.request('/things/lost')).rejects.toThrow(
      /GET \/things\/\{id\} \(getThing\) answered 410/,
    );
    await expect(hono.fetch(new Request('http://localhost/things/lost'))).rejects.toThrow(/410/);
  });

  it('passes documented statuses, ranges and defaults, and requests that are not operations', async () => {
    const hono = app();
    const answers = enforceDocumentedStatuses(hono, document);
    expect((await hono.request('/things/42')).status).toBe(200);
    expect((await hono.request('/things/42', { method: 'DELETE' })).status).toBe(204);
    expect((await hono.request('/things/42/parts')).status).toBe(418);
    expect((await hono.request('/page')).status).toBe(299);
    expect((await hono.request('/things/42', { method: 'PUT' })).status).toBe(404);
    expect(answers.map((a) => `${a.operationId} ${a.status}`)).toEqual([
      'getThing 200',
      'deleteThing 204',
      'listParts 418',
    ]);
  });
});
