import { buildOpenApiDocument } from '../../functions/token/openapi';

/** The parts of an OpenAPI document this check reads. */
export interface OpenApiPaths {
  paths?: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>;
}

export interface DocumentedOperation {
  method: string;
  path: string;
  operationId: string;
  statuses: string[];
}

/** One answer of the app to a documented operation. */
export interface ObservedAnswer {
  operationId: string;
  method: string;
  path: string;
  status: number;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document, with the response statuses it lists (`200`, `4XX`, `default`...). */
export function documentedOperations(document: OpenApiPaths): DocumentedOperation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId ?? `${method.toUpperCase()} ${path}`,
        statuses: Object.keys(operation.responses ?? {}),
      })),
  );
}

/**
 * The operation a request is routed to, by method and path template: a `{name}` segment matches any one
 * non-empty segment, and where templates compete the one with a literal segment earlier wins, as hono routes.
 */
export function operationFor(
  operations: DocumentedOperation[],
  method: string,
  pathname: string,
): DocumentedOperation | undefined {
  const segments = pathname.split('/');
  const matches = operations
    .filter((op) => op.method === method)
    .map((op) => ({ op, template: op.path.split('/') }))
    .filter(
      ({ template }) =>
        template.length === segments.length &&
        template.every((part, i) => (/^\{[^}]+\}$/.test(part) ? segments[i] !== '' : part === segments[i])),
    );
  // The most literal template: compare segment by segment, a literal before a parameter.
  const literalness = (template: string[]) =>
    template.map((part) => (part.startsWith('{') ? '0' : '1')).join('');
  matches.sort((a, b) => literalness(b.template).localeCompare(literalness(a.template)));
  return matches[0]?.op;
}

/** Whether the operation documents this status, exactly, as a range (`4XX`) or as `default`. */
export function documents(operation: DocumentedOperation, status: number): boolean {
  return operation.statuses.some(
    (listed) =>
      listed === String(status) || listed === `${Math.floor(status / 100)}XX` || listed === 'default',
  );
}

export class UndocumentedStatusError extends Error {
  override name = 'UndocumentedStatusError';
}

let gatewayDocument: OpenApiPaths | undefined;
/** The gateway's document, built once per test file. */
function gatewayPaths(): OpenApiPaths {
  gatewayDocument ??= buildOpenApiDocument('http://localhost') as OpenApiPaths;
  return gatewayDocument;
}

/**
 * Records every answer `app` gives to a documented operation (through `app.fetch`, and so `app.request`), and
 * makes an answer whose status the operation does not document throw, naming the operation and the status: any
 * test that provokes an undocumented status fails, whichever test it is. Requests that match no operation (a
 * 404 or 405 of the router, the /docs and /console pages) are not operations, and pass unchecked.
 */
export function enforceDocumentedStatuses(
  app: { fetch: (request: Request, ...rest: never[]) => Response | Promise<Response> },
  document: OpenApiPaths = gatewayPaths(),
): ObservedAnswer[] {
  const operations = documentedOperations(document);
  const observed: ObservedAnswer[] = [];
  const fetch = app.fetch;
  app.fetch = async (request, ...rest) => {
    const response = await fetch(request, ...rest);
    const operation = operationFor(operations, request.method, new URL(request.url).pathname);
    if (!operation) return response;
    observed.push({
      operationId: operation.operationId,
      method: operation.method,
      path: operation.path,
      status: response.status,
    });
    if (!documents(operation, response.status)) {
      const body = await response.clone().text();
      throw new UndocumentedStatusError(
        `${operation.method} ${operation.path} (${operation.operationId}) answered ${response.status}, which its OpenAPI ` +
          `description does not list (it lists ${operation.statuses.join(', ')}): document it in the route's ` +
          `responses, or make the route not answer it. The answer: ${body.slice(0, 300)}`,
      );
    }
    return response;
  };
  return observed;
}
