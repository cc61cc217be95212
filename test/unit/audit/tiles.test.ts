import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  equalHashes,
  evaluatePlan,
  evaluateRange,
  inclusionProofPlan,
  type NodeRef,
  nodeHash,
  nodeKey,
  nodeLeaves,
  planNodes,
  rootPlan,
  toHex,
  verifyInclusion,
} from '../../../shared/audit/merkle';
import {
  appendToBundles,
  appendToTiles,
  bundleOfLeaf,
  bundlePath,
  bundlesChangedByAppend,
  bundlesForTreeSize,
  decodeTile,
  encodeTile,
  levelEntries,
  nodeFromTile,
  TILE_WIDTH,
  TileError,
  type TileSpec,
  tileKey,
  tileLookup,
  tileOfNode,
  tilePath,
  tilesChangedByAppend,
  tilesForNodes,
  tilesForTreeSize,
  tilesToExtend,
  tileWidth,
} from '../../../shared/audit/tiles';

const SIZE = 70_000;

/** A small seeded generator (mulberry32): the same "random" sizes on every run. */
function random(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * below);
  };
}

// Tile geometry needs distinct 32-byte hashes, not hashes of anything: the leaves are their own index.
const leaves = Array.from({ length: SIZE }, (_, i): Uint8Array => {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(28, i);
  return hash;
});

/** Every perfect node of the 70,000-leaf tree, from the definition: pairs of the level below. */
const levels: Uint8Array[][] = [leaves];
for (let below: Uint8Array[] = leaves; below.length > 1; ) {
  const level: Uint8Array[] = [];
  for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!));
  levels.push(level);
  below = level;
}
const direct = (ref: NodeRef) => {
  const hash = levels[ref.height]?.[ref.index];
  if (!hash) throw new Error(`no node ${nodeKey(ref)}`);
  return hash;
};

/** The tiles of a tree of n leaves straight from C2SP's definition: the height-8L nodes the tree has, by 256. */
type Tiles = Map<string, TileSpec & { hashes: Uint8Array[] }>;

function rebuild(n: number): Tiles {
  const tiles: Tiles = new Map();
  for (let level = 0; 8 * level < levels.length; level++) {
    const span = 256 ** level;
    const entries = (levels[8 * level] ?? []).filter((_, i) => (i + 1) * span <= n);
    for (let index = 0; index * 256 < entries.length; index++) {
      const hashes = entries.slice(index * 256, index * 256 + 256);
      tiles.set(tileKey({ level, index }), { level, index, width: hashes.length, hashes });
    }
  }
  return tiles;
}

/** The keys of the tiles that are not the same in both sets (missing from one, or with other hashes). */
function differing(a: Tiles, b: Tiles): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys.filter((key) => {
    const [x, y] = [a.get(key), b.get(key)];
    if (!x || !y || x.width !== y.width || x.hashes.length !== y.hashes.length) return true;
    return x.hashes.some((hash, i) => hash !== y.hashes[i] && !equalHashes(hash, y.hashes[i]!));
  });
}

const nextRandom = random(9162);
const sizes = [
  0,
  1,
  2,
  255,
  256,
  257,
  511,
  512,
  65_535,
  65_536,
  65_537,
  SIZE,
  ...Array.from({ length: 8 }, () => 1 + nextRandom(SIZE)),
];

describe('tile geometry (C2SP tlog-tiles)', () => {
  it('has the tiles C2SP lists for a tree of 70,000 and one of 256', () => {
    const tiles = tilesForTreeSize(70_000);
    const level0 = tiles.filter((t) => t.level === 0);
    expect(level0).toHaveLength(274);
    expect(level0.filter((t) => t.width === 256)).toHaveLength(273);
    expect(level0.at(-1)).toEqual({ level: 0, index: 273, width: 112 });
    expect(tiles.filter((t) => t.level > 0)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(tilesForTreeSize(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(tilesForTreeSize(0)).toEqual([]);
    expect(tileWidth({ level: 1, index: 1 }, 70_000)).toBe(17);
    expect(tileWidth({ level: 0, index: 274 }, 70_000)).toBe(0);
  });

  it('spells tile and bundle paths as C2SP does', () => {
    expect(tilePath({ level: 0, index: 1_234_067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 1, index: 1, width: 17 })).toBe('tile/1/001.p/17');
    expect(tilePath({ level: 2, index: 1000, width: 256 })).toBe('tile/2/x001/000');
    expect(bundlePath({ index: 273, width: 112 })).toBe('tile/entries/273.p/112');
  });

  it('places a node at height 8L + r as 2^r entries of a level-L tile', () => {
    expect(tileOfNode({ height: 0, index: 300 })).toEqual({
      tile: { level: 0, index: 1 },
      start: 44,
      count: 1,
    });
    expect(tileOfNode({ height: 3, index: 40 })).toEqual({
      tile: { level: 0, index: 1 },
      start: 64,
      count: 8,
    });
    expect(tileOfNode({ height: 7, index: 3 })).toEqual({
      tile: { level: 0, index: 1 },
      start: 128,
      count: 128,
    });
    expect(tileOfNode({ height: 8, index: 5 })).toEqual({ tile: { level: 1, index: 0 }, start: 5, count: 1 });
    expect(tileOfNode({ height: 20, index: 3 })).toEqual({
      tile: { level: 2, index: 0 },
      start: 48,
      count: 16,
    });
  });

  it('encodes a tile as its hashes concatenated, and refuses bytes that are not one', () => {
    const hashes = leaves.slice(0, 3);
    expect(encodeTile(hashes)).toHaveLength(96);
    expect(decodeTile(encodeTile(hashes)).map(toHex)).toEqual(hashes.map(toHex));
    expect(encodeTile(leaves.slice(0, 256))).toHaveLength(8192);
    for (const length of [0, 33, 257 * 32])
      expect(() => decodeTile(new Uint8Array(length))).toThrow(TileError);
  });
});

describe('perfect nodes from tiles', () => {
  it('places every perfect node of a tree of 70,000 over exactly its leaves, inside a tile the tree has', () => {
    const problems: string[] = [];
    let count = 0;
    levels.forEach((level, height) => {
      level.forEach((_, index) => {
        const ref = { height, index };
        const { tile, start, count: entries } = tileOfNode(ref);
        const span = 256 ** tile.level;
        const first = tile.index * TILE_WIDTH + start;
        const covers = { start: first * span, end: (first + entries) * span };
        const { start: from, end: to } = nodeLeaves(ref);
        if (covers.start !== from || covers.end !== to || start + entries > tileWidth(tile, SIZE)) {
          problems.push(nodeKey(ref));
        }
        count += 1;
      });
    });
    expect(problems).toEqual([]);
    // A tree of n leaves has floor(n / 2^h) perfect nodes at each height h.
    expect(count).toBe(levels.reduce((sum, _, h) => sum + Math.floor(SIZE / 2 ** h), 0));
  });

  it('computes every node of whole tiles, full and partial, as the direct computation does', () => {
    const tiles = rebuild(SIZE);
    const problems: string[] = [];
    for (const key of ['0/0', '0/137', '0/273', '1/0', '1/1', '2/0']) {
      const tile = tiles.get(key)!;
      for (let r = 0; r < 8; r++) {
        const height = tile.level * 8 + r;
        for (let k = 0; (k + 1) * 2 ** r <= tile.width; k++) {
          const ref = { height, index: (tile.index * TILE_WIDTH) / 2 ** r + k };
          if (toHex(nodeFromTile(ref, tile.hashes)) !== toHex(direct(ref))) problems.push(nodeKey(ref));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('at random sizes, has the tiles a rebuild has, and serves the right-edge nodes from its partial tiles', () => {
    const pick = random(6962);
    for (const n of sizes) {
      const tiles = rebuild(n);
      expect(tilesForTreeSize(n)).toEqual(
        [...tiles.values()].map(({ level, index, width }) => ({ level, index, width })),
      );
      const lookup = tileLookup((ref) => tiles.get(tileKey(ref))?.hashes);
      // Every node a partial tile serves (the tree's right edge), and a few from full tiles.
      const refs: NodeRef[] = [];
      for (let height = 0; 2 ** height <= n; height++) {
        const inTree = Math.floor(n / 2 ** height);
        const perEntry = 2 ** (height % 8);
        const partialFrom = Math.floor(levelEntries(n, Math.floor(height / 8)) / TILE_WIDTH) * TILE_WIDTH;
        for (let index = Math.ceil(partialFrom / perEntry); index < inTree; index++)
          refs.push({ height, index });
        for (let k = 0; k < 3; k++) refs.push({ height, index: pick(inTree) });
      }
      const problems = refs.filter((ref) => toHex(lookup(ref)) !== toHex(direct(ref))).map(nodeKey);
      expect(problems, `size ${n}`).toEqual([]);
      expect(tilesForNodes(refs, n).every((t) => t.width === tiles.get(tileKey(t))?.width)).toBe(true);
      // The node just past the right edge at each height is not in this tree.
      for (let height = 0; 2 ** height <= SIZE; height++) {
        expect(() => tilesForNodes([{ height, index: Math.floor(n / 2 ** height) }], n)).toThrow(TileError);
      }
    }
  });

  it('computes a root and an inclusion proof from one batch of tile reads', () => {
    const n = 65_789;
    const leafIndex = 65_600;
    const tiles = rebuild(n);
    const plan = [...inclusionProofPlan(leafIndex, n), rootPlan(n)];
    const reads = tilesForNodes(planNodes(plan), n);
    const read = new Map(reads.map((t) => [tileKey(t), tiles.get(tileKey(t))!.hashes.slice(0, t.width)]));
    const lookup = tileLookup((t) => read.get(tileKey(t)));
    const root = evaluateRange(rootPlan(n), lookup);
    expect(toHex(root)).toBe(toHex(evaluateRange(rootPlan(n), direct)));
    const path = evaluatePlan(inclusionProofPlan(leafIndex, n), lookup);
    expect(verifyInclusion(leaves[leafIndex]!, leafIndex, n, path, root)).toBe(true);
    expect(reads.length).toBeLessThanOrEqual(8);
  });

  it('refuses a node whose tile was not read or is too narrow', () => {
    const lookup = tileLookup(() => undefined);
    expect(() => lookup({ height: 0, index: 0 })).toThrow(TileError);
    expect(() => nodeFromTile({ height: 2, index: 1 }, leaves.slice(0, 7))).toThrow(TileError);
  });
});

describe('appending to tiles', () => {
  const pick = random(2024);
  const pairs: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 256],
    [255, 256],
    [255, 257],
    [256, 512],
    [65_280, 65_536],
    [65_535, 65_536],
    [65_535, 65_537],
    [0, 3_000],
    [65_000, SIZE],
    [10_000, 10_000],
    ...Array.from({ length: 10 }, (): [number, number] => {
      const a = pick(SIZE);
      return [a, a + pick(Math.min(SIZE - a, 3_000) + 1)];
    }),
  ];

  it('from a to b produces exactly the tiles a full rebuild at b has', () => {
    for (const [a, b] of pairs) {
      const tiles = rebuild(a);
      const range = new CompactRange(a, rootPlan(a).map(direct));
      const completed = range.append(leaves.slice(a, b));
      const reads = tilesToExtend(a, b);
      expect(
        reads.every((t) => t.width > 0 && t.width < TILE_WIDTH && tiles.get(tileKey(t))?.width === t.width),
      ).toBe(true);
      const changed = appendToTiles(a, b, (t) => tiles.get(tileKey(t))?.hashes, completed);
      expect(changed.map(({ level, index, width }) => ({ level, index, width }))).toEqual(
        tilesChangedByAppend(a, b),
      );
      for (const tile of changed) tiles.set(tileKey(tile), tile);
      const expected = rebuild(b);
      expect(differing(tiles, expected), `${a} -> ${b}`).toEqual([]);
      // What changed is exactly what differs between the two rebuilds.
      expect(changed.map(tileKey).sort()).toEqual(differing(rebuild(a), expected).sort());
      expect(toHex(range.root())).toBe(toHex(evaluateRange(rootPlan(b), direct)));
    }
  });

  it('gives the same tiles in one append or in several', () => {
    const [a, c, b] = [65_300, 65_536, 65_900];
    const once = rebuild(a);
    const range = new CompactRange(a, rootPlan(a).map(direct));
    for (const tile of appendToTiles(
      a,
      b,
      (t) => once.get(tileKey(t))?.hashes,
      range.append(leaves.slice(a, b)),
    )) {
      once.set(tileKey(tile), tile);
    }
    const twice = rebuild(a);
    const stepwise = new CompactRange(a, rootPlan(a).map(direct));
    for (const [from, to] of [
      [a, c],
      [c, b],
    ] as const) {
      const completed = stepwise.append(leaves.slice(from, to));
      for (const tile of appendToTiles(from, to, (t) => twice.get(tileKey(t))?.hashes, completed)) {
        twice.set(tileKey(tile), tile);
      }
    }
    expect(differing(twice, once)).toEqual([]);
    expect(differing(once, rebuild(b))).toEqual([]);
  });

  it('refuses to build tiles without the old partial tile or a new node', () => {
    const completed = new CompactRange(300, rootPlan(300).map(direct)).append(leaves.slice(300, 310));
    expect(() => appendToTiles(300, 310, () => undefined, completed)).toThrow(TileError);
    const tiles = rebuild(300);
    expect(() => appendToTiles(300, 310, (t) => tiles.get(tileKey(t))?.hashes, completed.slice(1))).toThrow(
      TileError,
    );
    expect(() => tilesChangedByAppend(10, 9)).toThrow(RangeError);
  });
});

describe('entry bundles', () => {
  const keys = Array.from({ length: 1_000 }, (_, i) => `AUDIT#req-${i}`);
  const bundlesAt = (n: number) =>
    Array.from({ length: Math.ceil(n / 256) }, (_, index) =>
      keys.slice(index * 256, Math.min(n, index * 256 + 256)),
    );

  it('hold leaves N*256 .. N*256 + 255', () => {
    expect(bundleOfLeaf(0)).toEqual({ index: 0, offset: 0 });
    expect(bundleOfLeaf(511)).toEqual({ index: 1, offset: 255 });
    expect(bundleOfLeaf(69_999)).toEqual({ index: 273, offset: 112 - 1 });
    expect(bundlesForTreeSize(70_000)).toHaveLength(274);
    expect(bundlesForTreeSize(70_000).at(-1)).toEqual({ index: 273, width: 112 });
    expect(bundlesChangedByAppend(250, 520)).toEqual([
      { index: 0, width: 256 },
      { index: 1, width: 256 },
      { index: 2, width: 8 },
    ]);
  });

  it('grow by appends into what a rebuild would hold', () => {
    for (const [a, b] of [
      [0, 1],
      [0, 300],
      [250, 520],
      [256, 257],
      [700, 1_000],
      [5, 5],
    ] as const) {
      const stored = new Map(bundlesAt(a).map((entries, index) => [index, entries]));
      for (const bundle of appendToBundles(a, b, ({ index }) => stored.get(index), keys.slice(a, b))) {
        expect(bundle.entries).toHaveLength(bundle.width);
        stored.set(bundle.index, bundle.entries);
      }
      expect([...stored.values()]).toEqual(bundlesAt(b));
    }
    expect(() => appendToBundles(0, 3, () => [], keys.slice(0, 2))).toThrow(TileError);
  });
});
