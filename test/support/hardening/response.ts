import { PROBLEM_CONTENT_TYPE } from '../../../shared/http/problem';
import type { TableNames } from '../../../shared/storage/tables';

/**
 * What must never appear in a response body: stack frames, source paths, dependency and SDK error names,
 * the store's own vocabulary and its table names. A token the caller sent itself may be echoed back (a 404
 * names the path asked for), so `echoed` lists the request's own text to allow that.
 */
export function leaksIn(body: string, tables: TableNames, echoed = ''): string[] {
  const markers: (string | RegExp)[] = [
    /\bat [\w$.<>]+ \(/,
    /\n\s+at /,
    /\.(?:ts|js|mjs|cjs):\d+/,
    'node_modules',
    '/work/',
    'file://',
    'ZodError',
    'ConditionalCheckFailed',
    'TransactionCanceled',
    'ValidationException',
    'ResourceNotFoundException',
    'ProvisionedThroughput',
    'ThrottlingException',
    'InternalServerError',
    'DynamoDB',
    'ExpressionAttribute',
    'UnprocessedKeys',
    '$metadata',
    tables.control,
    tables.registry,
    tables.ledger,
  ];
  return markers
    .filter((m) =>
      typeof m === 'string' ? body.includes(m) && !echoed.includes(m) : m.test(body) && !m.test(echoed),
    )
    .map(String);
}

/** The problem+json members (RFC 9457) and the gateway's requestId; '' when the body is one. */
export function problemShapeError(
  response: Response,
  text: string,
  contentType = PROBLEM_CONTENT_TYPE,
): string {
  const type = response.headers.get('content-type') ?? '';
  if (type !== contentType) return `content-type ${type}, expected ${contentType}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  if (body.status !== response.status) return `status member ${String(body.status)} != ${response.status}`;
  for (const member of ['type', 'title', 'detail', 'instance', 'requestId']) {
    if (typeof body[member] !== 'string') return `member ${member} missing`;
  }
  if (body.requestId !== response.headers.get('x-request-id')) return 'requestId differs from X-Request-Id';
  return '';
}
