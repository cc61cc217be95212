import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext } from './gateway-fixture';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const execFileAsync = promisify(execFile);

interface Run {
  outdir: string;
  ok: boolean;
  stderr: string;
}

/**
 * Runs infra/app.ts as `cdk synth` does (context in CDK_CONTEXT_JSON, output to CDK_OUTDIR), with bundling
 * skipped: the one place context is read is tested through its real entry point.
 */
async function synthApp(context: Record<string, unknown>): Promise<Run> {
  const outdir = mkdtempSync(join(tmpdir(), 'ndg-app-'));
  const env = {
    PATH: process.env.PATH,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context }),
  };
  try {
    await execFileAsync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], { cwd: projectRoot, env });
    return { outdir, ok: true, stderr: '' };
  } catch (error) {
    return { outdir, ok: false, stderr: String((error as { stderr?: unknown }).stderr ?? error) };
  }
}

/** Every function's environment in the synthesized API stack, by the function's description. */
function environments(run: Run, stage: string): Record<string, Record<string, unknown>> {
  const template = JSON.parse(readFileSync(join(run.outdir, `ndg-${stage}-api.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  return Object.fromEntries(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => [
        String(r.Properties.Description),
        (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
      ]),
  );
}

describe('infra/app.ts context', () => {
  let defaults: Run;
  let overridden: Run;
  let burstBelowRate: Run;
  let overlapTooLong: Run;
  let corsWildcard: Run;

  beforeAll(async () => {
    [defaults, overridden, burstBelowRate, overlapTooLong, corsWildcard] = await Promise.all([
      synthApp({ stage: 'ctxdefault' }),
      synthApp({
        stage: 'ctxset',
        secretRotationOverlapSeconds: '3600',
        defaultMonthlyQuota: '250',
        defaultRatePerSecond: 3,
        defaultRateBurst: '7',
        corsAllowedOrigins: 'https://console.bo.gov.vn, https://portal.gov.vn',
      }),
      synthApp({ defaultRatePerSecond: '10', defaultRateBurst: '5' }),
      synthApp({ secretRotationOverlapSeconds: String(8 * 24 * 3600) }),
      synthApp({ corsAllowedOrigins: '*' }),
    ]);
  });

  afterAll(() => {
    for (const run of [defaults, overridden, burstBelowRate, overlapTooLong, corsWildcard]) {
      if (run) rmSync(run.outdir, { recursive: true, force: true });
    }
  });

  it('defaults the secret overlap to a day and the no-plan limits to 10000 a month, 10/s, burst 20', () => {
    expect(defaults.stderr).toBe('');
    const all = environments(defaults, 'ctxdefault');
    expect(Object.keys(all)).toHaveLength(6);
    for (const [fn, variables] of Object.entries(all)) {
      expect(variables, fn).toMatchObject({
        SECRET_ROTATION_OVERLAP_SECONDS: '86400',
        DEFAULT_MONTHLY_QUOTA: '10000',
        DEFAULT_RATE_PER_SECOND: '10',
        DEFAULT_RATE_BURST: '20',
      });
    }
  });

  it('reads secretRotationOverlapSeconds, defaultMonthlyQuota, defaultRatePerSecond and defaultRateBurst', () => {
    expect(overridden.stderr).toBe('');
    for (const [fn, variables] of Object.entries(environments(overridden, 'ctxset'))) {
      expect(variables, fn).toMatchObject({
        SECRET_ROTATION_OVERLAP_SECONDS: '3600',
        DEFAULT_MONTHLY_QUOTA: '250',
        DEFAULT_RATE_PER_SECOND: '3',
        DEFAULT_RATE_BURST: '7',
      });
    }
  });

  it('refuses a burst below the rate, and an overlap longer than shared/config.ts accepts', () => {
    expect(burstBelowRate.ok).toBe(false);
    expect(burstBelowRate.stderr).toContain(
      'Context defaultRateBurst (5): must be at least defaultRatePerSecond (10)',
    );
    expect(overlapTooLong.ok).toBe(false);
    expect(overlapTooLong.stderr).toMatch(/Context secretRotationOverlapSeconds \(691200\): .*604800/);
  });

  it('turns CORS on only for the origins corsAllowedOrigins names, and refuses a wildcard at synth', () => {
    for (const variables of Object.values(environments(defaults, 'ctxdefault'))) {
      expect(variables).not.toHaveProperty('CORS_ALLOWED_ORIGINS');
    }
    for (const variables of Object.values(environments(overridden, 'ctxset'))) {
      expect(variables.CORS_ALLOWED_ORIGINS).toBe('https://console.bo.gov.vn,https://portal.gov.vn');
    }
    expect(corsWildcard.ok).toBe(false);
    expect(corsWildcard.stderr).toContain(
      'Context corsAllowedOrigins (*): an origin is scheme://host[:port], no path and no wildcard',
    );
  });
});
