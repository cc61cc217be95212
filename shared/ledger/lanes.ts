/**
 * Ledger lanes. On the DynamoDB service a transaction is cancelled when another one in flight names one of its
 * items, so a counter that every call of an agency bumps serialises the agency (about one call per transaction
 * time, ~25 ms). The agency's month counter and rate window are therefore split into `n` lanes: lane i holds a
 * fixed share of the monthly quota and of each window's burst, the shares sum to the whole, and a call bumps one
 * lane of each. Concurrent calls contend only when they pick the same lane; a call that finds its lane full
 * moves to another, so the agency is refused only when every lane is full: exactly when the whole is used.
 */

/** Calls per second one lane is sized for: at 25 ms a transaction, a lane is then busy ~10% of the time. */
export const LANE_RATE = 4;
/** The most lanes an agency gets (a plan of 4,096 calls/s or more); reads that sum lanes stay a few batches. */
export const MAX_LANES = 1024;
/** Lanes of an agency created before lanes were recorded on it. */
export const DEFAULT_LANES = 4;

/** The lanes a contracted rate needs. An agency's lane count only ever grows (see AdminService). */
export function lanesFor(perSecond: number): number {
  return Math.min(MAX_LANES, Math.max(1, Math.ceil(perSecond / LANE_RATE)));
}

/** Lane i's share of `total` over `lanes` lanes: the shares differ by at most one and sum to `total`. */
export function laneShare(total: number, lanes: number, lane: number): number {
  return Math.floor(total / lanes) + (lane < total % lanes ? 1 : 0);
}

/** Lanes with a non-zero share: all of them unless `total` is smaller than the lane count. */
export const usableLanes = (total: number, lanes: number) => Math.min(lanes, Math.max(0, total));

/** Facts that cannot become false (within a period, a lane's count only grows), so a process may keep them. */
export class FullLanes {
  private readonly sets = new Map<string, Set<number>>();

  constructor(private readonly maxKeys = 10_000) {}

  get(key: string): Set<number> {
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.maxKeys) this.sets.delete(this.sets.keys().next().value as string);
      set = new Set();
      this.sets.set(key, set);
    }
    return set;
  }
}

/** `count` distinct lanes in [0, usable) not in `exclude`, at random (fewer when fewer are left). */
export function pickLanes(
  usable: number,
  count: number,
  exclude: Set<number>,
  random = Math.random,
): number[] {
  const free = usable - [...exclude].filter((l) => l < usable).length;
  const out: number[] = [];
  if (free <= 0) return out;
  if (free <= count * 4) {
    const all = [];
    for (let l = 0; l < usable; l++) if (!exclude.has(l)) all.push(l);
    while (out.length < count && all.length) out.push(all.splice(Math.floor(random() * all.length), 1)[0]!);
    return out;
  }
  while (out.length < count) {
    const lane = Math.floor(random() * usable);
    if (!exclude.has(lane) && !out.includes(lane)) out.push(lane);
  }
  return out;
}
