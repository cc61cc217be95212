/**
 * CPU attribution on Linux from /proc: which of the bench's own processes (this one, a child, the DynamoDB Local
 * JVM) used the machine's cores during a run, and how busy the machine was overall (other work included).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
const clockTicks = () => {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
};

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; 0 when it cannot be read. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  if (!fields) return 0;
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** The descendants of `ancestor` whose command name is `comm` (e.g. the JVM DynamoDB Local runs in). */
export function descendantsNamed(ancestor: number, comm: string): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (!fields) continue;
    parents.set(pid, Number(fields[1]));
    try {
      names.set(pid, readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    } catch {}
  }
  const isDescendant = (pid: number) => {
    for (let p = parents.get(pid), hops = 0; p && hops < 16; p = parents.get(p), hops++) {
      if (p === ancestor) return true;
    }
    return false;
  };
  return [...names].filter(([pid, name]) => name === comm && isDescendant(pid)).map(([pid]) => pid);
}

/** Busy and total CPU seconds of the whole machine so far (all cores, from /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, v) => sum + v, 0);
  return { busy: (total - idle) / clockTicks(), total: total / clockTicks() };
}

/** Cores each process kept busy during a run, and the machine's busy cores (everything, other work included). */
export interface CpuShare {
  seconds: number;
  cores: Record<string, number>;
  machineBusyCores: number;
  machineCores: number;
}

/** Starts measuring the named processes; `stop()` gives the cores each used since. */
export function cpuMeter(processes: Record<string, number | 'self'>) {
  const read = () =>
    Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => {
        if (pid === 'self') {
          const u = process.cpuUsage();
          return [name, (u.user + u.system) / 1e6];
        }
        return [name, processCpuSeconds(pid)];
      }),
    );
  const startedAt = performance.now();
  const before = read();
  const machineBefore = machineCpu();
  return {
    stop(): CpuShare {
      const seconds = (performance.now() - startedAt) / 1000;
      const after = read();
      const machineAfter = machineCpu();
      const round = (n: number) => Math.round(n * 100) / 100;
      const cores = Object.fromEntries(
        Object.keys(processes).map((name) => [
          name,
          round(((after[name] ?? 0) - (before[name] ?? 0)) / Math.max(0.001, seconds)),
        ]),
      );
      const totalDelta = machineAfter.total - machineBefore.total;
      const machineCores = Math.max(1, Math.round(totalDelta / Math.max(0.001, seconds)));
      return {
        seconds: round(seconds),
        cores,
        machineBusyCores: round((machineAfter.busy - machineBefore.busy) / Math.max(0.001, seconds)),
        machineCores,
      };
    },
  };
}
