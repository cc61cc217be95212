import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyProofPlan,
  emptyRoot,
  evaluatePlan,
  evaluateRange,
  fromHex,
  inclusionPathLength,
  inclusionProofPlan,
  leafHash,
  MalformedHashError,
  merkleRoot,
  type NodeRef,
  nodeHash,
  nodeKey,
  nodeLeaves,
  planNodes,
  rangePlan,
  rootPlan,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '../../../shared/audit/merkle';

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hexes = (hashes: Uint8Array[]) => hashes.map(toHex);
const flipped = (hash: Uint8Array, bit = 3) => {
  const copy = hash.slice();
  copy[0]! ^= 1 << bit;
  return copy;
};

/**
 * The RFC 6962 test tree and its published roots and proofs, from transparency-dev/merkle
 * (github.com/transparency-dev/merkle, proof/verify_test.go: `leaves`, `roots`, `inclusionProofs`,
 * `consistencyProofs`; rfc6962/rfc6962_test.go for the hasher). Their inclusion vectors number leaves
 * from 1; the indices here are 0-based.
 */
const vectors = {
  leaves: [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ],
  roots: [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ],
  inclusion: [
    {
      leafIndex: 0,
      treeSize: 8,
      path: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      leafIndex: 5,
      treeSize: 8,
      path: [
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    { leafIndex: 2, treeSize: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
    {
      leafIndex: 1,
      treeSize: 5,
      path: [
        '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
  ],
  consistency: [
    { m: 1, n: 1, proof: [] },
    {
      m: 1,
      n: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      m: 6,
      n: 8,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    {
      m: 2,
      n: 5,
      proof: [
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
    {
      m: 6,
      n: 7,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
  ],
};

/** Every perfect node of a tree of `leaves`, level by level, from the definition (pairs of the level below). */
function perfectLevels(leaves: Uint8Array[]): Uint8Array[][] {
  const levels = [leaves];
  for (let below = leaves; below.length > 1; ) {
    const level: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(level);
    below = level;
  }
  return levels;
}

const lookupIn = (levels: Uint8Array[][]) => (ref: NodeRef) => {
  const hash = levels[ref.height]?.[ref.index];
  if (!hash) throw new Error(`no node ${nodeKey(ref)}`);
  return hash;
};

const vectorLeaves = vectors.leaves.map((hex) => leafHash(bytes(hex)));
const vectorLookup = lookupIn(perfectLevels(vectorLeaves));

const SIZE = 70;
const leaves = Array.from({ length: SIZE }, (_, i) =>
  leafHash(new TextEncoder().encode(`audit record ${i}`)),
);
const levels = perfectLevels(leaves);
const lookup = lookupIn(levels);

// The reference MTH of any subtree, memoized so exhaustive checks stay fast.
const mthCache = new Map<string, Uint8Array>();
const mth = (start: number, end: number) => {
  const key = `${start}:${end}`;
  let hash = mthCache.get(key);
  if (!hash) {
    hash = merkleRoot(leaves.slice(start, end));
    mthCache.set(key, hash);
  }
  return hash;
};
const roots = Array.from({ length: SIZE + 1 }, (_, n) => mth(0, n));

const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** RFC 9162 2.1.3.1 PATH, as the RFC writes it, over the reference MTH. */
function referencePath(m: number, start: number, end: number): Uint8Array[] {
  if (end - start === 1) return [];
  const k = split(end - start);
  return m < start + k
    ? [...referencePath(m, start, start + k), mth(start + k, end)]
    : [...referencePath(m, start + k, end), mth(start, start + k)];
}

/** RFC 9162 2.1.4.1 SUBPROOF, as the RFC writes it, over the reference MTH. */
function referenceSubproof(m: number, start: number, end: number, whole: boolean): Uint8Array[] {
  if (m === end - start) return whole ? [] : [mth(start, end)];
  const k = split(end - start);
  return m <= k
    ? [...referenceSubproof(m, start, start + k, whole), mth(start + k, end)]
    : [...referenceSubproof(m - k, start + k, end, false), mth(start, start + k)];
}

const ref = (height: number, index: number): NodeRef => ({ height, index });

describe('RFC 9162 hashing', () => {
  it('hashes leaves, nodes and the empty tree as transparency-dev/merkle rfc6962_test.go publishes', () => {
    expect(toHex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(leafHash(new Uint8Array()))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(toHex(leafHash(new TextEncoder().encode('L123456')))).toBe(
      '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
    );
    const node = nodeHash(new TextEncoder().encode('N123'), new TextEncoder().encode('N456'));
    expect(toHex(node)).toBe('aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb');
  });

  it('gives the published roots of the RFC 6962 test tree at every size 1..8', () => {
    for (let n = 1; n <= 8; n++) {
      const range = new CompactRange();
      range.append(vectorLeaves.slice(0, n));
      expect(toHex(merkleRoot(vectorLeaves.slice(0, n)))).toBe(vectors.roots[n - 1]);
      expect(toHex(range.root())).toBe(vectors.roots[n - 1]);
      expect(toHex(evaluateRange(rootPlan(n), vectorLookup))).toBe(vectors.roots[n - 1]);
    }
  });

  it('produces and verifies the published inclusion proofs', () => {
    for (const { leafIndex, treeSize, path } of vectors.inclusion) {
      expect(hexes(evaluatePlan(inclusionProofPlan(leafIndex, treeSize), vectorLookup))).toEqual(path);
      const root = fromHex(vectors.roots[treeSize - 1]!);
      expect(verifyInclusion(vectorLeaves[leafIndex]!, leafIndex, treeSize, path.map(fromHex), root)).toBe(
        true,
      );
    }
  });

  it('produces and verifies the published consistency proofs', () => {
    for (const { m, n, proof } of vectors.consistency) {
      expect(hexes(evaluatePlan(consistencyProofPlan(m, n), vectorLookup))).toEqual(proof);
      const [rootM, rootN] = [fromHex(vectors.roots[m - 1]!), fromHex(vectors.roots[n - 1]!)];
      expect(verifyConsistency(m, n, proof.map(fromHex), rootM, rootN)).toBe(true);
    }
  });
});

describe('perfect-node plans', () => {
  it('names the nodes transparency-dev/merkle proof/proof_test.go names for inclusion proofs', () => {
    // Their (level, index) node IDs; a "rehash" run of theirs is one element here, listed left to right.
    expect(inclusionProofPlan(0, 1)).toEqual([]);
    expect(inclusionProofPlan(0, 2)).toEqual([[ref(0, 1)]]);
    expect(inclusionProofPlan(1, 3)).toEqual([[ref(0, 0)], [ref(0, 2)]]);
    expect(inclusionProofPlan(0, 7)).toEqual([[ref(0, 1)], [ref(1, 1)], [ref(1, 2), ref(0, 6)]]);
    expect(inclusionProofPlan(2, 7)).toEqual([[ref(0, 3)], [ref(1, 0)], [ref(1, 2), ref(0, 6)]]);
    expect(inclusionProofPlan(4, 7)).toEqual([[ref(0, 5)], [ref(0, 6)], [ref(2, 0)]]);
    expect(inclusionProofPlan(6, 7)).toEqual([[ref(1, 2)], [ref(2, 0)]]);
    expect(inclusionProofPlan(3, 5)).toEqual([[ref(0, 2)], [ref(1, 0)], [ref(0, 4)]]);
    expect(inclusionProofPlan(10, 15)).toEqual([
      [ref(0, 11)],
      [ref(1, 4)],
      [ref(1, 6), ref(0, 14)],
      [ref(3, 0)],
    ]);
    expect(inclusionProofPlan(81, 95)).toEqual([
      [ref(0, 80)],
      [ref(1, 41)],
      [ref(2, 21)],
      [ref(2, 22), ref(1, 46), ref(0, 94)],
      [ref(4, 4)],
      [ref(6, 0)],
    ]);
  });

  it('names the nodes transparency-dev/merkle proof/proof_test.go names for consistency proofs', () => {
    expect(consistencyProofPlan(1, 2)).toEqual([[ref(0, 1)]]);
    expect(consistencyProofPlan(1, 4)).toEqual([[ref(0, 1)], [ref(1, 1)]]);
    expect(consistencyProofPlan(2, 8)).toEqual([[ref(1, 1)], [ref(2, 1)]]);
    expect(consistencyProofPlan(3, 7)).toEqual([
      [ref(0, 2)],
      [ref(0, 3)],
      [ref(1, 0)],
      [ref(1, 2), ref(0, 6)],
    ]);
    expect(consistencyProofPlan(4, 7)).toEqual([[ref(1, 2), ref(0, 6)]]);
    expect(consistencyProofPlan(5, 7)).toEqual([[ref(0, 4)], [ref(0, 5)], [ref(0, 6)], [ref(2, 0)]]);
    expect(consistencyProofPlan(7, 8)).toEqual([[ref(0, 6)], [ref(0, 7)], [ref(1, 2)], [ref(2, 0)]]);
    expect(consistencyProofPlan(10, 15)).toEqual([
      [ref(1, 4)],
      [ref(1, 5)],
      [ref(1, 6), ref(0, 14)],
      [ref(3, 0)],
    ]);
    expect(consistencyProofPlan(24, 31)).toEqual([
      [ref(3, 2)],
      [ref(2, 6), ref(1, 14), ref(0, 30)],
      [ref(4, 0)],
    ]);
    for (const n of [1, 2, 3, 4, 5, 7, 8]) expect(consistencyProofPlan(n, n)).toEqual([]);
  });

  it('decomposes a root into one perfect node per set bit of the size, largest first', () => {
    expect(rootPlan(0)).toEqual([]);
    expect(rootPlan(64)).toEqual([ref(6, 0)]);
    expect(rootPlan(70)).toEqual([ref(6, 0), ref(2, 16), ref(1, 34)]);
    for (let n = 0; n <= SIZE; n++) {
      const covered = rootPlan(n).map(nodeLeaves);
      expect(covered.reduce((at, { start, end }) => (start === at ? end : Number.NaN), 0)).toBe(n);
    }
  });

  it('refuses a range that is not a subtree MTH visits', () => {
    expect(() => rangePlan(1, 3)).toThrow(RangeError);
    expect(() => inclusionProofPlan(5, 5)).toThrow(RangeError);
    expect(() => consistencyProofPlan(6, 5)).toThrow(RangeError);
  });

  it('lists each node a batch of plans needs once', () => {
    const plans = [...inclusionProofPlan(3, 70), ...inclusionProofPlan(4, 70), rootPlan(70)];
    const nodes = planNodes(plans);
    expect(new Set(nodes.map(nodeKey)).size).toBe(nodes.length);
    expect(nodes.map(nodeKey).sort()).toEqual([...new Set(plans.flat().map(nodeKey))].sort());
  });
});

describe('roots of every tree size 0..70', () => {
  it('agree between the reference MTH, the compact range and the root plan over perfect nodes', () => {
    const range = new CompactRange();
    expect(toHex(range.root())).toBe(toHex(emptyRoot()));
    for (let n = 0; n <= SIZE; n++) {
      if (n > 0) range.append([leaves[n - 1]!]);
      expect(range.size).toBe(n);
      expect(toHex(range.root())).toBe(toHex(roots[n]!));
      expect(toHex(evaluateRange(rootPlan(n), lookup))).toBe(toHex(roots[n]!));
    }
  });

  it('has perfect nodes that are the MTH of the leaves they cover', () => {
    levels.forEach((level, height) => {
      level.forEach((hash, index) => {
        const { start, end } = nodeLeaves({ height, index });
        expect(toHex(hash)).toBe(toHex(mth(start, end)));
      });
    });
  });
});

describe('compact range', () => {
  it('reports every perfect node once, each after its children, whatever the batches', () => {
    const range = new CompactRange();
    const completed = [];
    for (let at = 0, batch = 1; at < SIZE; at += batch, batch = (batch * 7) % 11) {
      completed.push(...range.append(leaves.slice(at, at + batch)));
    }
    const expected = levels.flatMap((level, height) =>
      level.map((hash, index) => `${height}/${index}:${toHex(hash)}`),
    );
    const got = completed.map((node) => `${nodeKey(node)}:${toHex(node.hash)}`);
    expect([...got].sort()).toEqual([...expected].sort());
    const seen = new Set<string>();
    for (const node of completed) {
      if (node.height > 0) {
        expect(seen.has(nodeKey(ref(node.height - 1, node.index * 2 + 1)))).toBe(true);
      }
      seen.add(nodeKey(node));
    }
    expect(toHex(range.root())).toBe(toHex(roots[SIZE]!));
  });

  it('keeps one perfect subtree per set bit of the size, and survives storage as JSON', () => {
    const range = new CompactRange();
    for (let n = 0; n <= SIZE; n++) {
      if (n > 0) range.append([leaves[n - 1]!]);
      const stored = JSON.parse(JSON.stringify(range));
      expect(stored.hashes).toEqual(hexes(rootPlan(n).map(lookup)));
      expect(range.nodes().map(nodeKey)).toEqual(rootPlan(n).map(nodeKey));
      const restored = CompactRange.fromJSON(stored);
      expect(toHex(restored.root())).toBe(toHex(roots[n]!));
      restored.append(leaves.slice(n));
      expect(toHex(restored.root())).toBe(toHex(roots[SIZE]!));
    }
  });

  it('refuses a stored range whose hashes do not match its size', () => {
    const stored = JSON.parse(JSON.stringify(new CompactRange(3, [lookup(ref(1, 0)), lookup(ref(0, 2))])));
    expect(() => CompactRange.fromJSON({ ...stored, size: 4 })).toThrow(RangeError);
    expect(() =>
      CompactRange.fromJSON({ ...stored, hashes: [stored.hashes[0].toUpperCase(), stored.hashes[1]] }),
    ).toThrow(MalformedHashError);
    expect(() => CompactRange.fromJSON(null)).toThrow(RangeError);
    expect(() => new CompactRange(-1)).toThrow(RangeError);
  });
});

describe('inclusion proofs for every leaf of every tree size 1..70', () => {
  it('match RFC 9162 PATH, verify, and fail for a wrong index, size, leaf, root or path', () => {
    type Case = { leaf: Uint8Array; index: number; size: number; path: Uint8Array[]; root: Uint8Array };
    // Each proof is tampered with in two of these ways, in turn, so every way meets every shape of tree
    // while the whole run stays within the unit-test time budget.
    const tampers: [string, (c: Case) => Case | undefined][] = [
      ['index - 1', (c) => (c.index > 0 ? { ...c, index: c.index - 1 } : undefined)],
      ['index + 1', (c) => (c.index + 1 < c.size ? { ...c, index: c.index + 1 } : undefined)],
      ['index ^ 2', (c) => ((c.index ^ 2) < c.size ? { ...c, index: c.index ^ 2 } : undefined)],
      [
        'smaller tree',
        (c) => (c.size - 1 > c.index ? { ...c, size: c.size - 1, root: roots[c.size - 1]! } : undefined),
      ],
      ['larger tree', (c) => ({ ...c, size: c.size + 1, root: roots[c.size + 1] ?? emptyRoot() })],
      ['double tree', (c) => ({ ...c, size: c.size * 2, root: roots[c.size * 2] ?? emptyRoot() })],
      ['other leaf', (c) => ({ ...c, leaf: flipped(c.leaf) })],
      ['other root', (c) => ({ ...c, root: flipped(c.root) })],
      ['trailing root', (c) => ({ ...c, path: [...c.path, c.root] })],
      ['preceding root', (c) => ({ ...c, path: [c.root, ...c.path] })],
      ['truncated', (c) => (c.path.length ? { ...c, path: c.path.slice(0, -1) } : undefined)],
      [
        'changed element',
        (c) => {
          const k = (c.index * 3 + c.size) % Math.max(1, c.path.length);
          return c.path.length ? { ...c, path: c.path.map((h, j) => (j === k ? flipped(h) : h)) } : undefined;
        },
      ],
    ];
    const problems: string[] = [];
    const applied = new Map<string, number>();
    let turn = 0;
    for (let n = 1; n <= SIZE; n++) {
      for (let i = 0; i < n; i++) {
        const path = evaluatePlan(inclusionProofPlan(i, n), lookup);
        if (hexes(path).join() !== hexes(referencePath(i, 0, n)).join()) problems.push(`plan ${i}/${n}`);
        if (path.length !== inclusionPathLength(i, n)) problems.push(`length ${i}/${n}`);
        const valid = { leaf: leaves[i]!, index: i, size: n, path, root: roots[n]! };
        if (!verifyInclusion(valid.leaf, i, n, path, valid.root)) problems.push(`rejected ${i}/${n}`);
        for (const [name, tamper] of [
          tampers[turn % tampers.length]!,
          tampers[(turn + 5) % tampers.length]!,
        ]) {
          const c = tamper(valid);
          if (!c) continue;
          applied.set(name, (applied.get(name) ?? 0) + 1);
          if (verifyInclusion(c.leaf, c.index, c.size, c.path, c.root)) problems.push(`${name} ${i}/${n}`);
        }
        turn += 1;
      }
    }
    expect(problems).toEqual([]);
    expect(turn).toBe((SIZE * (SIZE + 1)) / 2);
    for (const [name] of tampers) expect(applied.get(name), name).toBeGreaterThan(100);
  });

  it('leaves the tree size to the signed checkpoint: the same path and root also fit a larger size', () => {
    // Leaf 0 of 3 and of 4 take the same two steps, so a path cannot tell the sizes apart: this is why the
    // proof's tree size must equal the signed checkpoint's (shared/audit/proof.ts checks it).
    const proof = evaluatePlan(inclusionProofPlan(0, 3), lookup);
    expect(verifyInclusion(leaves[0]!, 0, 4, proof, roots[3]!)).toBe(true);
  });

  it('refuses impossible parameters', () => {
    const proof = evaluatePlan(inclusionProofPlan(0, 1), lookup);
    expect(verifyInclusion(leaves[0]!, 0, 0, proof, roots[1]!)).toBe(false);
    expect(verifyInclusion(leaves[0]!, 1, 1, proof, roots[1]!)).toBe(false);
    expect(verifyInclusion(leaves[0]!, -1, 1, proof, roots[1]!)).toBe(false);
    expect(verifyInclusion(leaves[0]!, 0.5, 1, proof, roots[1]!)).toBe(false);
    expect(verifyInclusion(leaves[0]!.slice(1), 0, 1, proof, roots[1]!)).toBe(false);
  });
});

describe('consistency proofs for every 1 <= m <= n <= 70', () => {
  it('match RFC 9162 SUBPROOF, verify, and fail when sizes, roots or the proof are tampered with', () => {
    type Case = { m: number; n: number; proof: Uint8Array[]; rootM: Uint8Array; rootN: Uint8Array };
    // As for inclusion: two of these per proof, in turn. Tampered sizes come with their own tree's root.
    const tampers: [string, (c: Case) => Case | undefined][] = [
      ['m - 1', (c) => (c.m > 1 ? { ...c, m: c.m - 1, rootM: roots[c.m - 1]! } : undefined)],
      ['m + 1', (c) => (c.m < c.n ? { ...c, m: c.m + 1, rootM: roots[c.m + 1]! } : undefined)],
      ['n - 1', (c) => (c.n - 1 >= c.m ? { ...c, n: c.n - 1, rootN: roots[c.n - 1]! } : undefined)],
      ['n + 1', (c) => (c.n < SIZE ? { ...c, n: c.n + 1, rootN: roots[c.n + 1]! } : undefined)],
      ['other old root', (c) => ({ ...c, rootM: flipped(c.rootM) })],
      ['other new root', (c) => ({ ...c, rootN: flipped(c.rootN) })],
      ['swapped roots', (c) => (c.m < c.n ? { ...c, rootM: c.rootN, rootN: c.rootM } : undefined)],
      ['no proof', (c) => (c.proof.length ? { ...c, proof: [] } : undefined)],
      ['truncated', (c) => (c.proof.length ? { ...c, proof: c.proof.slice(0, -1) } : undefined)],
      ['trailing root', (c) => ({ ...c, proof: [...c.proof, c.rootN] })],
      ['repeated first', (c) => (c.proof.length ? { ...c, proof: [c.proof[0]!, ...c.proof] } : undefined)],
      [
        'changed element',
        (c) => {
          const k = (c.m * 5 + c.n) % Math.max(1, c.proof.length);
          return c.proof.length
            ? { ...c, proof: c.proof.map((h, j) => (j === k ? flipped(h, 4) : h)) }
            : undefined;
        },
      ],
    ];
    const problems: string[] = [];
    const applied = new Map<string, number>();
    let turn = 0;
    for (let n = 1; n <= SIZE; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = evaluatePlan(consistencyProofPlan(m, n), lookup);
        if (hexes(proof).join() !== hexes(referenceSubproof(m, 0, n, true)).join())
          problems.push(`plan ${m}/${n}`);
        const valid = { m, n, proof, rootM: roots[m]!, rootN: roots[n]! };
        if (!verifyConsistency(m, n, proof, valid.rootM, valid.rootN)) problems.push(`rejected ${m}/${n}`);
        for (const [name, tamper] of [
          tampers[turn % tampers.length]!,
          tampers[(turn + 5) % tampers.length]!,
        ]) {
          const c = tamper(valid);
          if (!c) continue;
          applied.set(name, (applied.get(name) ?? 0) + 1);
          if (verifyConsistency(c.m, c.n, c.proof, c.rootM, c.rootN)) problems.push(`${name} ${m}/${n}`);
        }
        turn += 1;
      }
    }
    expect(problems).toEqual([]);
    expect(turn).toBe((SIZE * (SIZE + 1)) / 2);
    for (const [name] of tampers) expect(applied.get(name), name).toBeGreaterThan(100);
  });

  it('holds from the empty tree with an empty proof, and never backwards', () => {
    expect(consistencyProofPlan(0, 9)).toEqual([]);
    expect(verifyConsistency(0, 9, [], emptyRoot(), roots[9]!)).toBe(true);
    expect(verifyConsistency(0, 9, [], roots[1]!, roots[9]!)).toBe(false);
    expect(verifyConsistency(0, 9, [roots[1]!], emptyRoot(), roots[9]!)).toBe(false);
    expect(verifyConsistency(9, 8, [], roots[9]!, roots[8]!)).toBe(false);
  });
});

describe('trees beyond 2^32 leaves', () => {
  // A tree too big to build: every leaf is the same but one, so any perfect node not covering that leaf has
  // the same hash per height, and the one covering it is computed down its path.
  const target = 2 ** 40 + 12_345;
  const targetLeaf = leafHash(new TextEncoder().encode('the record'));
  const uniform = [leafHash(new TextEncoder().encode('another record'))];
  for (let h = 1; h <= 53; h++) uniform.push(nodeHash(uniform[h - 1]!, uniform[h - 1]!));
  const hugeLookup = (node: NodeRef): Uint8Array => {
    const { start, end } = nodeLeaves(node);
    if (target < start || target >= end) return uniform[node.height]!;
    if (node.height === 0) return targetLeaf;
    return nodeHash(
      hugeLookup(ref(node.height - 1, node.index * 2)),
      hugeLookup(ref(node.height - 1, node.index * 2 + 1)),
    );
  };

  it('proves and verifies inclusion and consistency with indices no 32-bit arithmetic could hold', () => {
    const n = 2 ** 41 + 777;
    const m = 2 ** 40 + 2 ** 33 + 5;
    const rootN = evaluateRange(rootPlan(n), hugeLookup);
    const rootM = evaluateRange(rootPlan(m), hugeLookup);
    const path = evaluatePlan(inclusionProofPlan(target, n), hugeLookup);
    expect(path.length).toBe(inclusionPathLength(target, n));
    expect(verifyInclusion(targetLeaf, target, n, path, rootN)).toBe(true);
    expect(verifyInclusion(targetLeaf, target + 2 ** 32, n, path, rootN)).toBe(false);
    const proof = evaluatePlan(consistencyProofPlan(m, n), hugeLookup);
    expect(verifyConsistency(m, n, proof, rootM, rootN)).toBe(true);
    expect(verifyConsistency(m - 2 ** 33, n, proof, rootM, rootN)).toBe(false);
  });
});

describe('hex', () => {
  it('round-trips a hash and refuses anything but 64 lowercase hex characters', () => {
    const hash = leaves[0]!;
    expect(fromHex(toHex(hash))).toEqual(hash);
    expect(() => fromHex(toHex(hash).toUpperCase())).toThrow(MalformedHashError);
    expect(() => fromHex(toHex(hash).slice(2))).toThrow(MalformedHashError);
    expect(() => fromHex(`${toHex(hash).slice(1)}g`)).toThrow(MalformedHashError);
  });
});
