/** Load and timing helpers for the bench: autocannon in its own process, sequential latency, rounding. */
import { spawn } from 'node:child_process';

/**
 * The business searches both benches time: frequent and rare words, with and without a province, one and
 * several words (the multi-word searches of frequent words are the ones that reach a page's read bound).
 */
export const benchSearches: { name: string; province?: string }[] = [
  { name: 'thương mại' },
  { name: 'Hoàng Long' },
  { name: 'an', province: 'Hà Nội' },
  { name: 'mekong' },
  { name: 'sao mai', province: 'Hồ Chí Minh' },
  { name: 'xây dựng phát' },
];

export interface LoadResult {
  rps: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Responses per HTTP status ('200', '503', ...). */
  statuses: Record<string, number>;
  /** How long the run lasted, in seconds (autocannon's own measure). */
  durationS: number;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** autocannon against one URL, in a child process so its CPU never counts as the gateway's. */
export function load(
  url: string,
  options: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const args = ['-c', String(options.connections), '-d', String(options.seconds), '-j'];
    for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
    const child = spawn(process.execPath, ['node_modules/autocannon/autocannon.js', ...args, url], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const r = JSON.parse(out) as {
          requests: { average: number; total: number };
          latency: { p50: number; p99: number };
          non2xx: number;
          duration: number;
          statusCodeStats?: Record<string, { count: number }>;
        };
        resolve({
          rps: round(r.requests.average, 0),
          total: r.requests.total,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          non2xx: r.non2xx,
          statuses: Object.fromEntries(
            Object.entries(r.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]),
          ),
          durationS: r.duration,
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Runs `fn` n times one after another; p50/p99 in ms. */
export async function timeSequential(n: number, fn: (i: number) => Promise<void>) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 0.5)), p99Ms: round(percentile(times, 0.99)) };
}

/** This process's CPU (user + system) per served call while `work` runs, in ms. */
export async function cpuPerCall<T extends { total: number }>(work: () => Promise<T>) {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  return { result, cpuMsPerCall: round((used.user + used.system) / 1000 / Math.max(1, result.total), 3) };
}
