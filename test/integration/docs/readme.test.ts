import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banner } from '../../../local/banner';
import { type LocalGateway, startLocalGateway } from '../../../local/host';
import { localHostEnv } from '../../support/local-host';

/**
 * The README's shell blocks, run as a reader would: every ```sh block in order, in one bash, after the lines the
 * banner of a fresh `npm start` says to paste. A block fenced ```sh no-run (installing, the test suite itself, AWS)
 * is shown but not run. The blocks call with `curl -fsS`, so any step that does not answer 2xx fails the run.
 */
const README = resolve('README.md');

interface Block {
  /** The line of README.md the block's first command is on. */
  line: number;
  info: string;
  body: string;
}

/** Every fenced block of the markdown whose language is sh, in order. */
function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { line: number; info: string; lines: string[] } | undefined;
  markdown.split('\n').forEach((text, index) => {
    if (!open) {
      const fence = /^```(\S*)(.*)$/.exec(text);
      if (fence) open = { line: index + 2, info: `${fence[1]}${fence[2]}`.trim(), lines: [] };
    } else if (/^```\s*$/.test(text)) {
      if (open.info.split(/\s+/)[0] === 'sh') {
        blocks.push({ line: open.line, info: open.info, body: open.lines.join('\n') });
      }
      open = undefined;
    } else {
      open.lines.push(text);
    }
  });
  return blocks;
}

const runnable = (blocks: Block[]) => blocks.filter((b) => !b.info.split(/\s+/).includes('no-run'));

/** One bash script: the banner's export lines, then each block, noting which README line is running. */
function script(exportLines: string[], blocks: Block[]): string {
  return [
    'set -Eeuo pipefail',
    '__readme_line=0',
    `trap 'echo "README.md: the block at line $__readme_line failed running: $BASH_COMMAND" >&2' ERR`,
    ...exportLines,
    ...blocks.flatMap((b) => [`__readme_line=${b.line}`, b.body]),
    'echo "README: every block ran"',
  ].join('\n');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script in bash in `cwd`, asynchronously: the gateway answers in this process. A minimal environment, so
 * nothing of the developer's shell (a GW, a TOKEN) stands in for what the README defines.
 */
function bash(file: string, cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['--noprofile', '--norc', file], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? cwd,
        TMPDIR: tmpdir(),
        LANG: 'C.UTF-8',
        NO_UPDATE_NOTIFIER: '1',
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

let gateway: LocalGateway;
let workdir: string;
let exportLines: string[];

beforeAll(async () => {
  gateway = await startLocalGateway({
    // As `npm start` runs: the sealer on its default timer.
    env: localHostEnv({ SEED_CITIZENS: '20', SEED_BUSINESSES: '20', AUDIT_SEAL_INTERVAL_MS: '2000' }),
    progress: () => undefined,
  });
  const printed = banner({
    url: gateway.url,
    seconds: '0.0',
    admin: gateway.bootstrap,
    adminSecretFromEnv: false,
    demo: gateway.demo,
  });
  exportLines = printed
    .split('\n')
    .filter((line) => line.startsWith('  export '))
    .map((line) => line.trim());
  // Where the reader's shell is: the repository (npm run), here without writing into the working tree.
  workdir = mkdtempSync(join(tmpdir(), 'ndg-readme-'));
  for (const entry of ['package.json', 'node_modules', 'scripts', 'tsconfig.json']) {
    symlinkSync(resolve(entry), join(workdir, entry));
  }
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('README.md', () => {
  const blocks = shellBlocks(readFileSync(README, 'utf8'));

  it('marks what it does not run with ```sh no-run, and calls with curl -fsS everywhere else', () => {
    expect(blocks.filter((b) => b.info !== 'sh' && b.info !== 'sh no-run')).toEqual([]);
    expect(runnable(blocks).length).toBeGreaterThanOrEqual(5);
    const unchecked = runnable(blocks).flatMap((b) =>
      b.body
        .split('\n')
        .map((text, i) => ({ line: b.line + i, text }))
        .filter(
          ({ text }) => /(^|[\s$(|])curl\s/.test(text.replace(/#.*$/, '')) && !/curl -fsS\b/.test(text),
        ),
    );
    expect(unchecked).toEqual([]);
  });

  it('runs every shell block, in order, on a fresh npm start after the banner lines', async () => {
    expect(exportLines.map((line) => line.split('=')[0])).toEqual([
      'export GW',
      'export ADMIN_ID',
      'export CLIENT_ID',
    ]);
    const file = join(workdir, 'readme.sh');
    writeFileSync(file, script(exportLines, runnable(blocks)));
    const run = await bash(file, workdir);
    expect(run.code, `${run.stderr}\n--- stdout ---\n${run.stdout.slice(-3000)}`).toBe(0);

    expect(run.stdout).toContain('README: every block ran');
    // The first registry call printed the demo citizen's name; the other operations answered too.
    expect(run.stdout).toContain('"fullName":"Nguyễn Văn An"');
    expect(run.stdout).toContain('"match":true');
    expect(run.stdout).toContain('Công ty Cổ phần Công nghệ Sông Hàn');
    // /me: the demo agency, its entitlements with the purposes' names.
    expect(run.stdout).toContain('"name":"Cơ quan thử nghiệm (demo)"');
    expect(run.stdout).toContain('"name":"Đăng ký thường trú"');
    // Finance closed last month and verified the demo agency's signed statement offline.
    expect(run.stdout).toMatch(/OK: statement of ag_\w+ for \d{4}-\d{2}, total 5170 VND/);
    // The refund named a real call of that month.
    expect(run.stdout).toMatch(/"reason":"Dữ liệu sai do lỗi đồng bộ"/);
  }, 120_000);

  it('fails, naming the README line, when a step answers an HTTP error', async () => {
    const [first] = runnable(blocks).filter((b) => b.body.includes('/v1/citizens/001099012345'));
    expect(first).toBeDefined();
    const broken = { ...first!, body: first!.body.replace('/v1/citizens/', '/v1/citizen/') };
    const file = join(workdir, 'broken.sh');
    writeFileSync(file, script(exportLines, [broken]));
    const run = await bash(file, workdir);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`README.md: the block at line ${first!.line} failed`);
    expect(run.stderr).toContain('404');
    expect(run.stdout).not.toContain('README: every block ran');
  });
});
