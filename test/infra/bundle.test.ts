import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  unbundledCredentialProviders,
  zodToOpenApiAtRuntime,
  zodWithoutLocales,
} from '../../infra/constructs/gateway-function';
import type { Gateway } from '../../infra/gateway';
import { consoleAssets } from '../../shared/http/console';
import { buildGateway } from './gateway-fixture';

type FunctionName = keyof Gateway['api']['functions'];
const functionNames: FunctionName[] = ['token', 'registry', 'admin', 'billing', 'audit', 'sealer'];
const swaggerUiFiles = ['swagger-ui-bundle.js', 'swagger-ui.css'];

/**
 * The cold-start budget of issue 7: each bundle under 500 KB (500,000 bytes) minified. Reached without giving
 * up the pinned SDK: zod without its translations, its opt-in compiler and its core namespace, no OpenAPI generator in the functions
 * (the document is written at build time), no keepNames, and the credential/event-stream code Lambda never
 * loads left to the runtime. The largest (billing) is about 492 KB.
 */
const maxBundleBytes = 500_000;

const execFileAsync = promisify(execFile);

interface LoadResult {
  handler: string;
  /** The cold-start error with an invalid TOKEN_TTL_SECONDS, as loaded in a fresh module instance. */
  configError: string;
  /** How an HTTP function's bundle answers a request for a route nobody serves (the app runs end to end). */
  unknownRoute?: { status: number; type: string };
}

/**
 * Imports a bundle in plain Node, from its asset folder (no node_modules above it, so every import it makes must
 * be bundled or built into Node), once with a bad setting and once with good ones; an HTTP function then answers
 * an unknown route.
 */
async function loadBundle(dir: string, http: boolean): Promise<LoadResult> {
  const url = pathToFileURL(join(dir, 'index.mjs')).href;
  const script = `
    process.env.TOKEN_TTL_SECONDS = '4000';
    let configError = '';
    try { await import(${JSON.stringify(`${url}?config=invalid`)}); } catch (error) { configError = String(error); }
    delete process.env.TOKEN_TTL_SECONDS;
    const m = await import(${JSON.stringify(url)});
    let unknownRoute;
    if (${http}) {
      const event = { httpMethod: 'GET', path: '/v1/no-such-route', resource: '/{proxy+}', headers: {},
        multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null,
        requestContext: { httpMethod: 'GET', path: '/v1/no-such-route', requestId: 'r1', stage: 'test',
          identity: { sourceIp: '127.0.0.1' } }, body: null, isBase64Encoded: false };
      const answer = await m.handler(event, { awsRequestId: 'r1' });
      const headers = Object.fromEntries(Object.entries({ ...answer.headers, ...answer.multiValueHeaders })
        .map(([k, v]) => [k.toLowerCase(), String(v)]));
      unknownRoute = { status: answer.statusCode, type: headers['content-type'] };
    }
    process.stdout.write(JSON.stringify({ handler: typeof m.handler, configError, unknownRoute }));`;
  try {
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', AWS_REGION: 'ap-southeast-1' },
      encoding: 'utf8',
    });
    return JSON.parse(stdout) as LoadResult;
  } catch (error) {
    // Node prints the failing (minified, very long) source line before the error: keep the error lines only.
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    const lines = stderr.split('\n').filter((line) => line.length > 0 && line.length < 400);
    throw new Error(`The bundle in ${dir} did not load:\n${lines.slice(0, 6).join('\n')}`);
  }
}

/** Node built-ins the bundles may import; everything else must be bundled or one of the unbundled providers. */
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

describe('function bundles', () => {
  let assetDirs: Record<FunctionName, string>;
  let code: Record<FunctionName, string>;
  let loads: Record<FunctionName, Promise<LoadResult>>;
  let outdir: string;

  beforeAll(() => {
    // The one suite that runs esbuild: the local binary, no Docker, no network.
    const { app, gateway } = buildGateway({ bundle: true });
    outdir = app.outdir;
    app.synth();
    assetDirs = Object.fromEntries(
      functionNames.map((name) => {
        const asset = gateway.api.functions[name].function.node.findChild('Code') as Asset;
        return [name, join(app.outdir, asset.assetPath)];
      }),
    ) as Record<FunctionName, string>;
    code = Object.fromEntries(
      functionNames.map((name) => [name, readFileSync(join(assetDirs[name], 'index.mjs'), 'utf8')]),
    ) as Record<FunctionName, string>;
    // Started together, awaited by the tests that need them.
    loads = Object.fromEntries(
      functionNames.map((name) => [name, loadBundle(assetDirs[name], name !== 'sealer')]),
    ) as Record<FunctionName, Promise<LoadResult>>;
    for (const load of Object.values(loads)) load.catch(() => {});
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it.each(functionNames)('bundles the %s handler as one minified ESM file that can require()', (name) => {
    expect(code[name].startsWith("import { createRequire as __ndgCreateRequire } from 'node:module';")).toBe(
      true,
    );
    expect(code[name]).toMatch(/export\s*\{[^}]*as handler\s*\}/);
    // Minified: far fewer lines than a readable bundle of hono, zod and the SDK would have.
    expect(code[name].split('\n').length).toBeLessThan(200);
    expect(readdirSync(assetDirs[name]).filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it.each(functionNames)(`keeps the %s bundle under ${maxBundleBytes / 1000} KB`, (name) => {
    const size = statSync(join(assetDirs[name], 'index.mjs')).size;
    expect(size, `${name}: ${size} bytes`).toBeLessThan(maxBundleBytes);
  });

  it.each(functionNames)("leaves zod's translations out of the %s bundle", (name) => {
    // From zod's Indonesian locale: present whenever the `locales` namespace is bundled.
    expect(code[name]).not.toContain('Input tidak valid');
  });

  it.each(functionNames)(
    'imports nothing but Node built-ins statically in the %s bundle, and lazily only the unbundled providers',
    (name) => {
      const specifiers = (pattern: RegExp) =>
        [...code[name].matchAll(pattern)].map((m) => m[1] ?? '').filter((s) => !isBuiltin(s));
      // esbuild writes external imports as `import{a as b}from"x"`, `import*as c from"x"`, `import d from"x"` or `import"x"`.
      const staticImport =
        /\bimport\s*(?:(?:[\w$]+\s*,?\s*)?(?:\{[^}]*\}|\*\s*as\s+[\w$]+)?\s*from\s*)?["']([^"']+)["']/g;
      expect(specifiers(staticImport), 'static imports').toEqual([]);
      for (const specifier of specifiers(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
        expect(unbundledCredentialProviders, `import("${specifier}")`).toContain(specifier);
      }
    },
  );

  it.each(functionNames)(
    'loads the %s bundle in plain Node, with English validation messages at cold start',
    async (name) => {
      const result = await loads[name];
      expect(result.handler).toBe('function');
      // zod's English messages survive the locale trimming: config errors stay readable in the logs.
      expect(result.configError).toContain(
        'ConfigError: Invalid configuration: TOKEN_TTL_SECONDS: Too big: expected number to be <=3600',
      );
      if (name !== 'sealer')
        expect(result.unknownRoute).toEqual({ status: 404, type: 'application/problem+json' });
    },
  );

  it('bundles the sealer from functions/audit/sealer-handler.ts, without the HTTP app', () => {
    expect(code.sealer).toContain('audit records sealed');
    expect(code.sealer).not.toContain('/oauth/token');
    expect(code.audit).not.toContain('audit records sealed');
  });

  it("writes the whole OpenAPI document beside the token bundle, which carries no other area's routes", () => {
    const document = JSON.parse(readFileSync(join(assetDirs.token, 'openapi.json'), 'utf8')) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/oauth/token',
        '/v1/citizens/{nationalId}',
        '/admin/agencies',
        '/audit/verify',
      ]),
    );
    expect(code.token).not.toContain('/v1/citizens/{nationalId}');
  });

  it('copies the console page, its files (pages/ included) and uPlot beside the token bundle only', () => {
    const copied = join(assetDirs.token, 'console');
    const files = readdirSync(copied, { recursive: true, encoding: 'utf8' })
      .filter((path) => statSync(join(copied, path)).isFile())
      .map((path) => path.split(sep).join('/'));
    // platform.js is written by the bundle from its model, never copied (shared/http/console-platform.ts).
    const copiedAssets = Object.entries(consoleAssets()).filter(([, { from }]) => from !== 'model');
    expect(files.sort()).toEqual(['index.html', 'favicon.ico', ...copiedAssets.map(([file]) => file)].sort());
    expect(files).toContain('pages/registry.js');
    expect(files).not.toContain('platform.js');
    for (const name of functionNames.filter((n) => n !== 'token')) {
      expect(existsSync(join(assetDirs[name], 'console')), name).toBe(false);
    }
  });

  it('copies the Swagger UI files beside the token bundle only', () => {
    const copied = join(assetDirs.token, 'swagger-ui');
    expect(readdirSync(copied).sort()).toEqual(swaggerUiFiles);
    for (const file of swaggerUiFiles) expect(statSync(join(copied, file)).size, file).toBeGreaterThan(0);
    for (const name of functionNames.filter((n) => n !== 'token')) {
      expect(existsSync(join(assetDirs[name], 'swagger-ui')), name).toBe(false);
    }
  });
});

describe('zod as bundled', () => {
  const shim = () => import(pathToFileURL(join(process.cwd(), zodWithoutLocales)).href);

  // The translations, and the opt-in APIs nothing in the gateway calls: z.compile (and its helpers) and
  // z.fromJSONSchema. Nothing inside zod imports them; schemas still carry .toJSONSchema().
  const left = [
    'locales',
    'compile',
    'compileFn',
    'withParser',
    'INVALID',
    'ZodCompileAsyncError',
    'ZodCompileUnsupportedError',
  ];
  // z.core as a namespace too: its getters would keep every core builder (see infra/bundling/zod/index.mjs).
  const leftOfZ = [...left, 'fromJSONSchema', 'core'];

  it('exports exactly what zod does, less the translations, the opt-in compiler and the core namespace', async () => {
    const [trimmed, zod] = await Promise.all([shim(), import('zod')]);
    const names = (module: object) => Object.keys(module).sort();
    expect(names(trimmed)).toEqual(names(zod).filter((n) => !leftOfZ.includes(n)));
    expect(names(trimmed.z)).toEqual(names(zod.z).filter((n) => !leftOfZ.includes(n)));
    expect(trimmed.z.core).toBeUndefined();
  });

  it("is zod's own modules: one zod instance, whichever way it is imported", async () => {
    const [trimmed, zod] = await Promise.all([shim(), import('zod')]);
    for (const name of [
      'object',
      'string',
      'ZodType',
      'ZodError',
      'config',
      'globalRegistry',
      'iso',
      'coerce',
    ]) {
      expect(trimmed.z[name], name).toBe((zod.z as unknown as Record<string, unknown>)[name]);
    }
    expect(trimmed.z.config).toBe(zod.z.core.config);
    expect(trimmed.default).toBe(trimmed.z);
  });
});

describe('zod-to-openapi as bundled', () => {
  const runtime = () => import(pathToFileURL(join(process.cwd(), zodToOpenApiAtRuntime)).href);

  it('provides every name @hono/zod-openapi imports from the real package', async () => {
    const source = readFileSync(join(process.cwd(), 'node_modules/@hono/zod-openapi/dist/index.mjs'), 'utf8');
    const imported = /import\s*\{([^}]*)\}\s*from\s*"@asteasolutions\/zod-to-openapi"/.exec(source)?.[1];
    const names = (imported ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    expect(Object.keys(await runtime()).sort()).toEqual(expect.arrayContaining(names.sort()));
  });

  it('makes .openapi() the identity: a schema with OpenAPI metadata parses exactly as without', async () => {
    const { z } = await import('zod');
    const { extendZodWithOpenApi } = await runtime();
    const zod = { ZodType: { prototype: {} as Record<string, unknown> } };
    extendZodWithOpenApi(zod);
    const openapi = zod.ZodType.prototype.openapi as (this: unknown, ...args: unknown[]) => unknown;
    const schema = z.string().min(3);
    expect(openapi.call(schema, 'Name', { example: 'abc' })).toBe(schema);
  });

  it('refuses to generate a document in a function instead of serving an empty one', async () => {
    const { OpenApiGeneratorV31, OpenAPIRegistry } = await runtime();
    const registry = new OpenAPIRegistry();
    registry.registerPath({ method: 'get', path: '/x' });
    expect(registry.definitions).toHaveLength(1);
    expect(() => new OpenApiGeneratorV31(registry.definitions).generateDocument({})).toThrow(/build time/);
  });
});
