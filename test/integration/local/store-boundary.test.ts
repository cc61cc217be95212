import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoLocal, startDynamoLocal } from '../../../local/dynamo-local';
import { type LocalGateway, startLocalGateway } from '../../../local/host';

const run = promisify(execFile);

/** The local addresses of the sockets listening on `port`, from /proc/net/tcp and tcp6 (Linux). */
function listening(port: number): { address: string; inode: string }[] {
  const found: { address: string; inode: string }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [hex, portHex] = (fields[1] ?? '').split(':');
      if (fields[3] !== '0A' || !hex || Number.parseInt(portHex ?? '', 16) !== port) continue;
      found.push({ address: decodeAddress(hex), inode: fields[9] ?? '' });
    }
  }
  return found;
}

function decodeAddress(hex: string): string {
  // Each 32-bit word is in host (little-endian) byte order.
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse());
  const octets = bytes.map((b) => Number.parseInt(b, 16));
  if (octets.length === 4) return octets.join('.');
  const mappedV4 = octets.slice(0, 10).every((o) => o === 0) && octets[10] === 255 && octets[11] === 255;
  if (mappedV4) return octets.slice(12).join('.');
  if (octets.every((o) => o === 0)) return '::';
  if (octets.slice(0, 15).every((o) => o === 0) && octets[15] === 1) return '::1';
  return bytes.join('');
}

/** The process holding the listening socket of `port`, found through its socket inode. */
function pidListeningOn(port: number): number | undefined {
  const inodes = new Set(listening(port).map((s) => `socket:[${s.inode}]`));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {}
    }
  }
  return undefined;
}

function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      done('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP call to the store, with headers a browser would send (Origin, Host) that fetch would not let us set. */
function call(port: number, method: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((done, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

const listTables = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'DynamoDB_20120810.ListTables',
  authorization:
    'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
};

const accessControlHeaders = (answer: Answer) =>
  Object.keys(answer.headers).filter((name) => name.toLowerCase().startsWith('access-control-'));

const externalIPv4 = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('local store boundary', () => {
  let store: DynamoLocal;
  beforeAll(async () => {
    store = await startDynamoLocal();
  });
  afterAll(async () => {
    await store?.stop();
  });

  it('listens on 127.0.0.1 only', () => {
    const sockets = listening(store.port);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.map((s) => s.address)).toEqual(sockets.map(() => '127.0.0.1'));
  });

  it.skipIf(!externalIPv4)(
    externalIPv4
      ? `refuses connections on this machine's network address (${externalIPv4})`
      : 'refuses connections on a network address (skipped: this machine has no non-loopback IPv4 address)',
    async () => {
      expect(await connectOutcome(externalIPv4 ?? '', store.port)).toBe('ECONNREFUSED');
      expect(await connectOutcome('127.0.0.1', store.port)).toBe('connected');
    },
  );

  it('gives a browser no CORS header, preflight included, and no data', async () => {
    const origin = 'https://evil.example';
    const preflight = await call(store.port, 'OPTIONS', {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-amz-target,authorization',
    });
    const read = await call(store.port, 'POST', { ...listTables, origin }, '{}');
    expect(accessControlHeaders(preflight)).toEqual([]);
    expect(accessControlHeaders(read)).toEqual([]);
    expect(read.status).toBe(403);
    expect(read.body).not.toContain('TableNames');
  });

  it('refuses a request naming another host (a DNS-rebound web page), and serves local clients', async () => {
    const rebound = await call(
      store.port,
      'POST',
      { ...listTables, host: `rebound.example:${store.port}` },
      '{}',
    );
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('TableNames');
    const local = await call(store.port, 'POST', listTables, '{}');
    expect(local.status).toBe(200);
    expect(local.body).toContain('TableNames');
  });

  it('runs with telemetry off: told so, no telemetry client thread, no installation-id file', () => {
    const pid = pidListeningOn(store.port);
    expect(pid).toBeDefined();
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('-disableTelemetry');
    // The telemetry client (Cognito and Pinpoint over Apache HttpClient) starts an idle-connection-reaper thread.
    const threads = readdirSync(`/proc/${pid}/task`).map((t) =>
      readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(),
    );
    expect(threads.filter((name) => name.startsWith('idle-connection'))).toEqual([]);
    expect(existsSync(join(readlinkSync(`/proc/${pid}/cwd`), 'dynamodb-local-metadata.json'))).toBe(false);
  });
});

/** Every path under `root` (root included) whose mode is not 0700 for a folder or 0600 for a file. */
function looseModes(root: string): string[] {
  const loose: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) loose.push(`${path} ${mode.toString(8)}`);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (mode !== 0o600) {
      loose.push(`${path} ${mode.toString(8)}`);
    }
  };
  walk(root);
  return loose;
}

describe('local data files', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ndg-private-'));
  let gateway: LocalGateway | undefined;
  beforeAll(async () => {
    // As an older version left them: a world-readable DATA_DIR and store folder.
    chmodSync(dataDir, 0o755);
    mkdirSync(join(dataDir, 'dynamodb'), { mode: 0o755 });
    chmodSync(join(dataDir, 'dynamodb'), 0o755);
    gateway = await startLocalGateway({
      env: {
        HOST: '0.0.0.0',
        PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        SEED_CITIZENS: '0',
        SEED_BUSINESSES: '0',
        AUDIT_SEAL_INTERVAL_MS: '0',
      },
      progress: () => undefined,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the store on loopback when HOST opens the gateway to the network', () => {
    expect(listening(gateway?.port ?? 0).map((s) => s.address)).toContain('0.0.0.0');
    const storePort = Number(new URL(gateway?.dynamoEndpoint ?? '').port);
    const sockets = listening(storePort);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.map((s) => s.address)).toEqual(sockets.map(() => '127.0.0.1'));
  });

  it('makes every file under DATA_DIR 0600 and every folder 0700, after a start and npm run seed', async () => {
    // A first token makes the gateway write its signing-key file.
    const { clientId, clientSecret } = gateway?.bootstrap ?? {};
    const token = await fetch(`http://127.0.0.1:${gateway?.port}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(token.status).toBe(200);
    await gateway?.stop();
    gateway = undefined;
    // With no gateway running, the seed starts its own DynamoDB Local on DATA_DIR.
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    delete env.DYNAMODB_ENDPOINT;
    await run(
      process.execPath,
      ['--import', 'tsx', 'local/seed-cli.ts', '--citizens', '5', '--businesses', '5'],
      {
        env,
        timeout: 60_000,
      },
    );
    expect(readdirSync(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'signing-keys.json'))).toBe(true);
    expect(looseModes(dataDir)).toEqual([]);
  }, 90_000);
});
