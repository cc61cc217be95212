import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../infra/gateway';
import { buildGateway } from './gateway-fixture';

type FunctionName = keyof Gateway['api']['functions'];
const functionNames: FunctionName[] = ['token', 'registry', 'admin', 'billing', 'audit'];
const swaggerUiFiles = ['favicon-32x32.png', 'swagger-ui-bundle.js', 'swagger-ui.css'];

describe('function bundles', () => {
  let assetDirs: Record<FunctionName, string>;
  let outdir: string;

  beforeAll(() => {
    // The one suite that runs esbuild: the local binary, no Docker, no network.
    const { app, gateway } = buildGateway({ bundle: true });
    outdir = app.outdir;
    app.synth();
    assetDirs = Object.fromEntries(
      functionNames.map((name) => {
        const code = gateway.api.functions[name].function.node.findChild('Code') as Asset;
        return [name, join(app.outdir, code.assetPath)];
      }),
    ) as Record<FunctionName, string>;
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it.each(functionNames)('bundles the %s handler as one minified ESM file that can require()', (name) => {
    const code = readFileSync(join(assetDirs[name], 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire as __ndgCreateRequire } from 'node:module';")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
    // Minified: far fewer lines than a readable bundle of hono, zod and the SDK would have.
    expect(code.split('\n').length).toBeLessThan(200);
    expect(readdirSync(assetDirs[name]).filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('copies the Swagger UI files beside the token bundle only', () => {
    const copied = join(assetDirs.token, 'swagger-ui');
    expect(readdirSync(copied).sort()).toEqual(swaggerUiFiles);
    for (const file of swaggerUiFiles) expect(statSync(join(copied, file)).size, file).toBeGreaterThan(0);
    for (const name of functionNames.filter((n) => n !== 'token')) {
      expect(existsSync(join(assetDirs[name], 'swagger-ui')), name).toBe(false);
    }
  });

  it('loads the token bundle in plain Node and finds a handler', () => {
    const url = pathToFileURL(join(assetDirs.token, 'index.mjs')).href;
    const script = `const m = await import(${JSON.stringify(url)}); process.stdout.write(typeof m.handler);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', AWS_REGION: 'ap-southeast-1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).toBe('function');
  });
});
