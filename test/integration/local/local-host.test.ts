import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalGateway } from '../../../local/host';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { registryKeys } from '../../../shared/storage/keys/registry';

const quiet = () => undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'ndg-host-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter(Boolean);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return predicate();
}

describe('local host', () => {
  it('serves health, the OpenAPI document and the docs, with the demo records seeded', async () => {
    const gateway = await startLocalGateway({
      env: { PORT: '0', IN_MEMORY: '1', LOG_LEVEL: 'silent' },
      progress: quiet,
    });
    try {
      const health = await fetch(`${gateway.url}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', store: 'reachable' });
      expect((await fetch(`${gateway.url}/openapi.json`)).status).toBe(200);
      expect(await (await fetch(`${gateway.url}/docs`)).text()).toContain('swagger-ui');
      for (const citizen of demoCitizens) {
        const { Item } = await gateway.deps.store.send(
          new GetCommand({
            TableName: gateway.deps.tables.registry,
            Key: registryKeys.citizen(citizen.nationalId),
          }),
        );
        expect(Item?.fullName).toBe(citizen.fullName);
      }
      for (const business of demoBusinesses) {
        const { Item } = await gateway.deps.store.send(
          new GetCommand({
            TableName: gateway.deps.tables.registry,
            Key: registryKeys.business(business.enterpriseCode),
          }),
        );
        expect(Item?.name).toBe(business.name);
      }
      expect(gateway.bootstrap.created).toBe(true);
      expect(gateway.bootstrap.clientSecret).toMatch(/^ndgs_/);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps data in DATA_DIR across restarts and does not print the secret again', async () => {
    const env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const first = await startLocalGateway({ env, progress: quiet });
    const { clientId } = first.bootstrap;
    await first.stop();

    const second = await startLocalGateway({ env, progress: quiet });
    try {
      expect(second.bootstrap).toEqual({ clientId, created: false });
    } finally {
      await second.stop();
    }
  });

  it('uses the bootstrap client id and secret from the environment when set', async () => {
    const gateway = await startLocalGateway({
      env: {
        PORT: '0',
        IN_MEMORY: '1',
        LOG_LEVEL: 'silent',
        BOOTSTRAP_ADMIN_CLIENT_ID: 'ops-admin',
        BOOTSTRAP_ADMIN_CLIENT_SECRET: 'a-long-enough-secret-for-tests',
      },
      progress: quiet,
    });
    try {
      expect(gateway.bootstrap).toEqual({ clientId: 'ops-admin', created: true });
    } finally {
      await gateway.stop();
    }
  });

  it('leaves no JVM behind when npm start is killed outright', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      env: { ...process.env, PORT: '0', IN_MEMORY: '1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    expect(await waitFor(() => output.includes('is ready on'), 30_000)).toBe(true);
    const jvm = childPids(child.pid!).find((pid) =>
      execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).includes('java'),
    );
    expect(jvm).toBeDefined();
    child.kill('SIGKILL');
    expect(await waitFor(() => !alive(jvm!), 5_000)).toBe(true);
  });

  it('stops DynamoDB Local on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      env: { ...process.env, PORT: '0', IN_MEMORY: '1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    expect(await waitFor(() => output.includes('is ready on'), 30_000)).toBe(true);
    const jvms = childPids(child.pid!);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of jvms) expect(await waitFor(() => !alive(pid), 5_000)).toBe(true);
  });

  it('says in one line how to install Java when it is missing, and exits non-zero', () => {
    // A PATH holding node and nothing else (node and java often share /usr/bin).
    const bin = mkdtempSync(join(tmpdir(), 'ndg-nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
        env: { PATH: bin, IN_MEMORY: '1', PORT: '0', HOME: process.env.HOME ?? '/tmp' },
        timeout: 20_000,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as { status: number; stderr: string };
      status = e.status;
      stderr = e.stderr;
    }
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/Java 17.*apt-get install -y openjdk-17-jre-headless/);
  });
});
