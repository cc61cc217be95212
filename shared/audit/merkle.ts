/**
 * The audit log's Merkle tree, exactly as RFC 9162 (Certificate Transparency 2.0) section 2.1 defines it:
 * leaves are hashed with a 0x00 prefix and interior nodes with 0x01 (so no leaf can pass for a node), and
 * a tree whose size is not a power of two splits at the largest power of two smaller than its size.
 *
 * Storage only ever keeps *perfect* subtrees (a node at height h and index i covers the 2^h leaves
 * [i * 2^h, (i + 1) * 2^h)): they never change once complete, so they can be written once. Every hash a
 * proof or a root needs is a right-edge combination of perfect nodes, and the plans below name them.
 * Pure: no I/O. Sizes and indices are plain numbers, safe up to 2^53 (bit operators would stop at 2^32).
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  // A plain Uint8Array, not a Buffer: callers compare and store hashes as the type they were given.
  return new Uint8Array(hash.digest());
}

/** RFC 9162 leaf hash: SHA-256(0x00 || bytes). */
export const leafHash = (bytes: Uint8Array): Uint8Array => sha256(LEAF_PREFIX, bytes);

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(NODE_PREFIX, left, right);

/** MTH({}): the root of the empty tree, SHA-256 of the empty string. */
export const emptyRoot = (): Uint8Array => sha256();

export class MalformedHashError extends Error {
  override name = 'MalformedHashError';
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** True for a hash as the gateway writes it: 64 lowercase hex characters. */
export const isHexHash = (value: unknown): value is string =>
  typeof value === 'string' && HEX_HASH.test(value);

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Decodes a hash written by toHex; anything but 64 lowercase hex characters is refused. */
export function fromHex(hex: string): Uint8Array {
  if (!isHexHash(hex)) throw new MalformedHashError('A hash is 64 lowercase hexadecimal characters.');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertSize(name: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, not ${value}.`);
  }
}

/** The k of RFC 9162 2.1.1: the largest power of two smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two not above n (n >= 1), and its exponent. */
function largestPowerOfTwo(n: number): { power: number; exponent: number } {
  let power = 1;
  let exponent = 0;
  while (power * 2 <= n) {
    power *= 2;
    exponent += 1;
  }
  return { power, exponent };
}

/**
 * The reference MTH of RFC 9162 2.1.1 over leaf hashes (MTH of one leaf is its leaf hash), recursive as the
 * RFC writes it. For tests and small trees; the log itself uses CompactRange and perfect nodes.
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  const mth = (start: number, end: number): Uint8Array => {
    if (end - start === 1) return leafHashes[start]!;
    const k = splitPoint(end - start);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return leafHashes.length === 0 ? emptyRoot() : mth(0, leafHashes.length);
}

/** A perfect subtree: height h, index i, covering the leaves [i * 2^h, (i + 1) * 2^h). */
export interface NodeRef {
  height: number;
  index: number;
}

export interface PerfectNode extends NodeRef {
  hash: Uint8Array;
}

/** A stable string key for a node (for maps and batch reads). */
export const nodeKey = (ref: NodeRef) => `${ref.height}/${ref.index}`;

/** The leaves [start, end) a perfect node covers. */
export const nodeLeaves = (ref: NodeRef) => ({
  start: ref.index * 2 ** ref.height,
  end: (ref.index + 1) * 2 ** ref.height,
});

/**
 * The perfect nodes, left to right and each smaller than the one before, whose right-edge combination
 * (per MTH: the last alone, then each earlier one hashed on its left) is MTH(D[start:end]). The range must
 * be a subtree MTH's recursion visits (start aligned to the first power of two), as every RFC 9162 proof
 * element and every root is.
 */
export function rangePlan(start: number, end: number): NodeRef[] {
  assertSize('start', start);
  assertSize('end', end, start);
  const plan: NodeRef[] = [];
  let at = start;
  while (at < end) {
    // MTH splits off the largest power of two below the size; when the size is itself a power of two,
    // both halves are perfect and so is the whole.
    const { power, exponent } = largestPowerOfTwo(end - at);
    if (at % power !== 0) {
      throw new RangeError(`[${start}, ${end}) is not a subtree of a Merkle tree.`);
    }
    plan.push({ height: exponent, index: at / power });
    at += power;
  }
  return plan;
}

/** The perfect nodes whose right-edge combination is the root of a tree of that size ([] for the empty tree). */
export const rootPlan = (treeSize: number): NodeRef[] => rangePlan(0, treeSize);

/**
 * RFC 9162 2.1.3.1 PATH(leafIndex, D[treeSize]): for each element of the inclusion proof, in the RFC's order
 * (nearest the leaf first), the perfect nodes that make it up.
 */
export function inclusionProofPlan(leafIndex: number, treeSize: number): NodeRef[][] {
  assertSize('treeSize', treeSize, 1);
  assertSize('leafIndex', leafIndex);
  if (leafIndex >= treeSize) throw new RangeError(`Leaf ${leafIndex} is not in a tree of size ${treeSize}.`);
  const plan: NodeRef[][] = [];
  const path = (start: number, end: number): void => {
    if (end - start === 1) return;
    const k = splitPoint(end - start);
    if (leafIndex < start + k) {
      path(start, start + k);
      plan.push(rangePlan(start + k, end));
    } else {
      path(start + k, end);
      plan.push(rangePlan(start, start + k));
    }
  };
  path(0, treeSize);
  return plan;
}

/**
 * RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true): for each element of the consistency proof, in
 * the RFC's order, the perfect nodes that make it up. Empty when m = n, and from the empty tree (m = 0),
 * which every tree extends.
 */
export function consistencyProofPlan(m: number, n: number): NodeRef[][] {
  assertSize('n', n);
  assertSize('m', m);
  if (m > n) throw new RangeError(`A tree of size ${m} cannot be a prefix of one of size ${n}.`);
  const plan: NodeRef[][] = [];
  if (m === 0) return plan;
  // `old` leaves of the old tree lie in [start, end); `whole` is the RFC's b (this subtree is the old root).
  const subproof = (old: number, start: number, end: number, whole: boolean): void => {
    if (old === end - start) {
      if (!whole) plan.push(rangePlan(start, end));
      return;
    }
    const k = splitPoint(end - start);
    if (old <= k) {
      subproof(old, start, start + k, whole);
      plan.push(rangePlan(start + k, end));
    } else {
      subproof(old - k, start + k, end, false);
      plan.push(rangePlan(start, start + k));
    }
  };
  subproof(m, 0, n, true);
  return plan;
}

/** Every distinct perfect node a set of plans needs: what a storage layer reads, in one batch. */
export function planNodes(plans: readonly (readonly NodeRef[])[]): NodeRef[] {
  const nodes = new Map<string, NodeRef>();
  for (const plan of plans) for (const ref of plan) nodes.set(nodeKey(ref), ref);
  return [...nodes.values()];
}

/** MTH of a range from its plan (rangePlan/rootPlan); the empty plan is the empty tree's root. */
export function evaluateRange(plan: readonly NodeRef[], lookup: (ref: NodeRef) => Uint8Array): Uint8Array {
  const last = plan.at(-1);
  if (!last) return emptyRoot();
  let hash = lookup(last);
  for (let i = plan.length - 2; i >= 0; i--) hash = nodeHash(lookup(plan[i]!), hash);
  return hash;
}

/** The proof's hashes from its plan (inclusionProofPlan/consistencyProofPlan), in the same order. */
export const evaluatePlan = (
  plan: readonly (readonly NodeRef[])[],
  lookup: (ref: NodeRef) => Uint8Array,
): Uint8Array[] => plan.map((element) => evaluateRange(element, lookup));

const validHash = (hash: unknown): hash is Uint8Array =>
  hash instanceof Uint8Array && hash.length === HASH_SIZE;

/**
 * RFC 9162 2.1.3.2, step by step (written from the RFC, not from the proof generator): true when auditPath
 * leads from leafHash at leafIndex to root in a tree of treeSize leaves.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  leafIndex: number,
  treeSize: number,
  auditPath: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0) return false;
  if (!validHash(leaf) || !validHash(root) || !auditPath.every(validHash)) return false;
  // 1. leaf_index must be below tree_size.
  if (leafIndex >= treeSize) return false;
  // 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  // 4. For each p in inclusion_path:
  for (const p of auditPath) {
    // a. A path longer than the tree is tall fails.
    if (sn === 0) return false;
    // b. p is a left sibling when fn is a right child, or the last node of its level (promoted unchanged up
    // to the level where it is a right child); otherwise p is the right sibling.
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    // c. Up one level.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. The path must reach the root exactly, and arrive at its hash.
  return sn === 0 && equalHashes(r, root);
}

/**
 * How many hashes an RFC 9162 inclusion proof for leafIndex in a tree of treeSize has: the iterations of the
 * 2.1.3.2 loop until sn reaches 0. Lets a verifier say "the path is too short" rather than "it fails".
 */
export function inclusionPathLength(leafIndex: number, treeSize: number): number {
  assertSize('treeSize', treeSize, 1);
  assertSize('leafIndex', leafIndex);
  let fn = leafIndex;
  let sn = treeSize - 1;
  let length = 0;
  while (sn > 0) {
    if (fn % 2 === 1 || fn === sn) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    length += 1;
  }
  return length;
}

/**
 * RFC 9162 2.1.4.2, step by step (written from the RFC, not from the proof generator): true when proof shows
 * the tree of size m with root rootM is a prefix of the tree of size n with root rootN. The RFC covers
 * 0 < m < n; m = n holds with an empty proof and equal roots, m = 0 with an empty proof and the empty root.
 */
export function verifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  rootM: Uint8Array,
  rootN: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (!validHash(rootM) || !validHash(rootN) || !proof.every(validHash)) return false;
  if (m === 0) return proof.length === 0 && equalHashes(rootM, emptyRoot());
  if (m === n) return proof.length === 0 && equalHashes(rootM, rootN);
  // 1. An empty consistency_path fails.
  if (proof.length === 0) return false;
  // 2. When first is a power of two, the old root is itself a node of the new tree: the proof omits it.
  const path = largestPowerOfTwo(m).power === m ? [rootM, ...proof] : [...proof];
  // 3. fn = first - 1, sn = second - 1.
  let fn = m - 1;
  let sn = n - 1;
  // 4. Climb past the levels where the old tree's last node is a right child (the seed covers them).
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. fr and sr start from the first value.
  let fr = path[0]!;
  let sr = fr;
  // 6. For each subsequent c:
  for (const c of path.slice(1)) {
    // a. A proof longer than the tree is tall fails.
    if (sn === 0) return false;
    // b. A left sibling belongs to both trees; a right one only to the new tree.
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    // c. Up one level.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7. Both roots recomputed, and the proof reached the top of the new tree.
  return equalHashes(fr, rootM) && equalHashes(sr, rootN) && sn === 0;
}

const popCount = (n: number): number => {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
};

/** The stored form of a CompactRange. */
export interface CompactRangeJson {
  size: number;
  hashes: string[];
}

/**
 * The right edge of a tree of `size` leaves (a.k.a. its frontier): the hashes of the perfect subtrees that
 * cover [0, size), one per set bit of the size, largest (leftmost) first. Enough to append leaves and to
 * compute the root without reading anything else.
 */
export class CompactRange {
  private readonly edge: Uint8Array[];
  private leaves: number;

  /** The empty tree by default; otherwise `hashes` must hold one perfect subtree per set bit of `size`. */
  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    assertSize('size', size);
    if (hashes.length !== popCount(size) || !hashes.every(validHash)) {
      throw new RangeError(`A tree of size ${size} has ${popCount(size)} right-edge hashes of 32 bytes.`);
    }
    this.leaves = size;
    this.edge = [...hashes];
  }

  get size(): number {
    return this.leaves;
  }

  /** The right-edge perfect subtrees, largest first. */
  nodes(): PerfectNode[] {
    let start = 0;
    return this.edge.map((hash) => {
      const { power, exponent } = largestPowerOfTwo(this.leaves - start);
      const node = { height: exponent, index: start / power, hash };
      start += power;
      return node;
    });
  }

  /**
   * Appends leaves (their leaf hashes) and returns every perfect node this completes, at every height,
   * leaves included, each after its children: what the storage layer writes into tiles.
   */
  append(leafHashes: readonly Uint8Array[]): PerfectNode[] {
    if (!leafHashes.every(validHash)) throw new RangeError('A leaf hash is 32 bytes.');
    const completed: PerfectNode[] = [];
    for (const leaf of leafHashes) {
      let hash = leaf;
      let height = 0;
      let index = this.leaves;
      completed.push({ height, index, hash });
      // A right child completes its parent with the left sibling, which is the last subtree on the edge.
      while (index % 2 === 1) {
        hash = nodeHash(this.edge.pop()!, hash);
        height += 1;
        index = Math.floor(index / 2);
        completed.push({ height, index, hash });
      }
      this.edge.push(hash);
      this.leaves += 1;
    }
    return completed;
  }

  /** MTH of the whole tree (RFC 9162 2.1.1). */
  root(): Uint8Array {
    const last = this.edge.at(-1);
    if (!last) return emptyRoot();
    let hash = last;
    for (let i = this.edge.length - 2; i >= 0; i--) hash = nodeHash(this.edge[i]!, hash);
    return hash;
  }

  clone(): CompactRange {
    return new CompactRange(this.leaves, this.edge);
  }

  toJSON(): CompactRangeJson {
    return { size: this.leaves, hashes: this.edge.map(toHex) };
  }

  static fromJSON(json: unknown): CompactRange {
    const value = json as Partial<CompactRangeJson> | null;
    if (typeof value !== 'object' || value === null || !Array.isArray(value.hashes)) {
      throw new RangeError('A stored compact range is {size, hashes}.');
    }
    if (!value.hashes.every(isHexHash))
      throw new MalformedHashError('A stored compact range has a bad hash.');
    return new CompactRange(value.size as number, value.hashes.map(fromHex));
  }
}
