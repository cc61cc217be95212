/**
 * Cold start of each Lambda bundle, as deployed: `cdk synth` builds the bundles (the same esbuild settings a
 * deployment uses), then each bundle is imported in a fresh Node process, with no node_modules above it, and
 * handed one real request against the bench's DynamoDB Local. Measured inside that process from before the
 * import to the answer: module load, configuration, SDK clients, key loading, first connection, first
 * request. (Lambda's own runtime start-up, outside our code, comes on top.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type FunctionName = 'token' | 'registry' | 'admin' | 'billing' | 'audit' | 'sealer';
export const functionNames: FunctionName[] = ['token', 'registry', 'admin', 'billing', 'audit', 'sealer'];

/** One request per function: the call its users make first. */
export interface FirstRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** The status a correct answer has: a cold start that answers 5xx is not a cold start that worked. */
  expect: number;
}

export interface ColdStart {
  bytes: number;
  importMs: number;
  firstResponseMs: number;
  status: number;
  /** The same request again in the same process: what the cold part above cost on top. */
  warmMs: number;
}

/** Runs `cdk synth` into a temporary folder; returns each function's bundle folder (and a cleanup). */
export async function synthesizeBundles(): Promise<{
  dirs: Record<FunctionName, string>;
  cleanup: () => void;
}> {
  const out = mkdtempSync(join(tmpdir(), 'ndg-bench-synth-'));
  await run('npx', ['cdk', 'synth', '--quiet', '--output', out], { maxBuffer: 64 * 1024 * 1024 });
  const dirs: Partial<Record<FunctionName, string>> = {};
  for (const file of readdirSync(out).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(out, file), 'utf8')) as {
      Resources: Record<
        string,
        { Type: string; Properties?: { Description?: string }; Metadata?: Record<string, string> }
      >;
    };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const name = /National Data Gateway: (\w+)/.exec(
        resource.Properties?.Description ?? '',
      )?.[1] as FunctionName;
      const asset = resource.Metadata?.['aws:asset:path'];
      if (name && asset && functionNames.includes(name)) dirs[name] = join(out, asset);
    }
  }
  const missing = functionNames.filter((name) => !dirs[name]);
  if (missing.length) throw new Error(`cdk synth produced no bundle for: ${missing.join(', ')}`);
  return {
    dirs: dirs as Record<FunctionName, string>,
    cleanup: () => rmSync(out, { recursive: true, force: true }),
  };
}

/**
 * An API Gateway REST (v1) proxy event, as the gateway's API hands it to a function (also the one
 * test/integration/http/bundles.test.ts sends each bundle).
 */
export function restEvent(request: Omit<FirstRequest, 'expect' | 'method'> & { method: string }, id: string) {
  return {
    resource: '/{proxy+}',
    path: request.path,
    httpMethod: request.method,
    headers: request.headers ?? {},
    multiValueHeaders: Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query
      ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]]))
      : null,
    requestContext: {
      httpMethod: request.method,
      path: request.path,
      requestId: id,
      stage: 'bench',
      identity: { sourceIp: '127.0.0.1' },
    },
    body: request.body ?? null,
    isBase64Encoded: false,
  };
}

/** Imports one bundle in a fresh process and times its first (and a second) request. */
export async function coldStart(
  dir: string,
  request: FirstRequest | 'stream',
  env: Record<string, string>,
): Promise<ColdStart> {
  const url = pathToFileURL(join(dir, 'index.mjs')).href;
  // The sealer is invoked by the ledger table's stream: an empty batch still takes the lease and commits.
  const events =
    request === 'stream'
      ? [{ Records: [] }, { Records: [] }]
      : [restEvent(request, 'cold-1'), restEvent(request, 'cold-2')];
  const script = `
    const context = { awsRequestId: 'cold', getRemainingTimeInMillis: () => 10000 };
    const events = ${JSON.stringify(events)};
    const t0 = performance.now();
    const m = await import(${JSON.stringify(url)});
    const t1 = performance.now();
    const first = await m.handler(events[0], context);
    const t2 = performance.now();
    await m.handler(events[1], context);
    const t3 = performance.now();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstResponseMs: t2 - t0, warmMs: t3 - t2,
      status: first.statusCode ?? 200, body: first.statusCode >= 400 ? String(first.body).slice(0, 300) : '' }));
    process.exit(0);`;
  // e.g. BENCH_COLD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/cold" to profile each cold start.
  const nodeArgs = (process.env.BENCH_COLD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const { stdout } = await run(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  const result = JSON.parse(stdout) as Omit<ColdStart, 'bytes'> & { body: string };
  const expected = request === 'stream' ? 200 : request.expect;
  if (result.status !== expected) {
    throw new Error(`cold start answered ${result.status}, expected ${expected}: ${result.body}`);
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    bytes: statSync(join(dir, 'index.mjs')).size,
    importMs: round(result.importMs),
    firstResponseMs: round(result.firstResponseMs),
    status: result.status,
    warmMs: round(result.warmMs),
  };
}
