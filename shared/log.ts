/**
 * Structured JSON logs, one line per event. Callers pass only non-personal fields; as a second line of
 * defence, keys that can carry secrets or personal data are redacted before anything is written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const redactedKeys = new Set([
  'authorization',
  'client_secret',
  'clientsecret',
  'secret',
  'password',
  'token',
  'access_token',
  'assertion',
  'client_assertion',
  'nationalid',
  'fullname',
  'dateofbirth',
]);

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = redactedKeys.has(key.toLowerCase()) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

/**
 * The fields an unexpected error is logged with: its name, message and stack. A store's refusal of a request it
 * finds malformed (an AWS SDK error of client fault, such as DynamoDB's ValidationException) quotes the request's
 * values, which can be a caller's query or personal data: of it only the summary before the first colon (e.g.
 * "Invalid KeyConditionExpression") and the stack's frames are kept.
 */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { errorName: typeof err };
  const fault = (err as { $fault?: unknown }).$fault;
  if (fault !== 'client') return { errorName: err.name, errorMessage: err.message, stack: err.stack };
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return {
    errorName: err.name,
    errorMessage: err.message.split(':')[0]?.trim().slice(0, 200),
    stack: [err.name, ...frames].join('\n'),
  };
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

export function createLogger(
  level: LogLevel = 'info',
  base: LogFields = {},
  sink: LogSink = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const threshold = order[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (order[lvl] < threshold) return;
    const entry = {
      level: lvl,
      time: new Date().toISOString(),
      message,
      ...base,
      ...(redact(fields) as LogFields),
    };
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}
