/**
 * C2SP tlog-tiles geometry (https://c2sp.org/tlog-tiles) for the audit log's Merkle tree: tile height 8, so
 * a full tile holds 256 hashes. The tile at level L and index N holds the perfect nodes at height 8L with
 * indices N*256 .. N*256 + width - 1; only the rightmost tile of each level may be partial (width 1..255),
 * and a partial tile only ever grows at its end, so the stored copy for a later size serves every earlier one.
 * Entry bundles follow level 0: bundle N holds what the log keeps for leaves N*256 .. N*256 + 255.
 * Pure: no I/O; the storage layer decides where tiles live.
 */
import { HASH_SIZE, merkleRoot, type NodeRef, nodeKey, type PerfectNode } from './merkle';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TileRef {
  level: number;
  index: number;
}

/** A tile as it exists in a tree of some size: full at width 256, else partial. */
export interface TileSpec extends TileRef {
  width: number;
}

export interface Tile extends TileSpec {
  hashes: Uint8Array[];
}

export class TileError extends Error {
  override name = 'TileError';
}

export const tileKey = (tile: TileRef) => `${tile.level}/${tile.index}`;

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0.`);
}

/** How many perfect nodes at height 8 * level a tree of treeSize leaves has: the entries of that tile level. */
export function levelEntries(treeSize: number, level: number): number {
  assertCount('treeSize', treeSize);
  return Math.floor(treeSize / TILE_WIDTH ** level);
}

/** The width of a tile in a tree of treeSize leaves (256 when full), 0 when the tree has no such tile yet. */
export function tileWidth(tile: TileRef, treeSize: number): number {
  const entries = levelEntries(treeSize, tile.level) - tile.index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, entries));
}

/**
 * Where a perfect node at height h = 8L + r lives: in tile (L, floor(i * 2^r / 256)), as the 2^r entries
 * starting at (i * 2^r) mod 256 (one entry when r = 0, a subtree of entries otherwise).
 */
export function tileOfNode(ref: NodeRef): { tile: TileRef; start: number; count: number } {
  assertCount('height', ref.height);
  assertCount('index', ref.index);
  const level = Math.floor(ref.height / TILE_HEIGHT);
  const count = 2 ** (ref.height % TILE_HEIGHT);
  const first = ref.index * count;
  return { tile: { level, index: Math.floor(first / TILE_WIDTH) }, start: first % TILE_WIDTH, count };
}

/** A perfect node's hash from the hashes of its tile (that of tileOfNode). */
export function nodeFromTile(ref: NodeRef, tileHashes: readonly Uint8Array[]): Uint8Array {
  const { tile, start, count } = tileOfNode(ref);
  if (start + count > tileHashes.length) {
    throw new TileError(
      `Node ${nodeKey(ref)} needs entries ${start}..${start + count - 1} of tile ${tileKey(tile)}, ` +
        `which has ${tileHashes.length}.`,
    );
  }
  // Over a power-of-two count of hashes, MTH is exactly the perfect subtree they are the bottom of.
  return merkleRoot(tileHashes.slice(start, start + count));
}

/** Every tile a tree of treeSize leaves has, level by level, left to right (none for the empty tree). */
export function tilesForTreeSize(treeSize: number): TileSpec[] {
  const tiles: TileSpec[] = [];
  for (let level = 0; levelEntries(treeSize, level) > 0; level++) {
    const entries = levelEntries(treeSize, level);
    for (let index = 0; index * TILE_WIDTH < entries; index++) {
      tiles.push({ level, index, width: Math.min(TILE_WIDTH, entries - index * TILE_WIDTH) });
    }
  }
  return tiles;
}

/**
 * The tiles to read for these nodes of a tree of treeSize leaves, each once, at the width it has at that
 * size. Refuses a node the tree does not have yet.
 */
export function tilesForNodes(refs: readonly NodeRef[], treeSize: number): TileSpec[] {
  const tiles = new Map<string, TileSpec>();
  for (const ref of refs) {
    const { tile, start, count } = tileOfNode(ref);
    const width = tileWidth(tile, treeSize);
    if (start + count > width) throw new TileError(`A tree of size ${treeSize} has no node ${nodeKey(ref)}.`);
    tiles.set(tileKey(tile), { ...tile, width });
  }
  return [...tiles.values()];
}

/**
 * A node lookup over tiles already read (for evaluatePlan/evaluateRange): `tile` gives a tile's hashes, or
 * undefined when it was not read, which is then an error naming the tile.
 */
export function tileLookup(
  tile: (ref: TileRef) => readonly Uint8Array[] | undefined,
): (ref: NodeRef) => Uint8Array {
  return (ref) => {
    const where = tileOfNode(ref).tile;
    const hashes = tile(where);
    if (!hashes) throw new TileError(`Tile ${tileKey(where)} (for node ${nodeKey(ref)}) was not read.`);
    return nodeFromTile(ref, hashes);
  };
}

function assertGrowth(oldSize: number, newSize: number): void {
  assertCount('oldSize', oldSize);
  assertCount('newSize', newSize);
  if (newSize < oldSize) throw new RangeError(`The log cannot shrink from ${oldSize} to ${newSize}.`);
}

/** The tiles an append from oldSize to newSize leaves creates or extends, at their new widths. */
export function tilesChangedByAppend(oldSize: number, newSize: number): TileSpec[] {
  assertGrowth(oldSize, newSize);
  const tiles: TileSpec[] = [];
  for (let level = 0; levelEntries(newSize, level) > 0; level++) {
    const before = levelEntries(oldSize, level);
    const after = levelEntries(newSize, level);
    if (after === before) continue;
    for (let index = Math.floor(before / TILE_WIDTH); index * TILE_WIDTH < after; index++) {
      tiles.push({ level, index, width: Math.min(TILE_WIDTH, after - index * TILE_WIDTH) });
    }
  }
  return tiles;
}

/** The partial tiles, at their old widths, that an append from oldSize to newSize extends: read them first. */
export function tilesToExtend(oldSize: number, newSize: number): TileSpec[] {
  return tilesChangedByAppend(oldSize, newSize)
    .map((tile) => ({ ...tile, width: tileWidth(tile, oldSize) }))
    .filter((tile) => tile.width > 0);
}

/**
 * The new contents of every tile an append from oldSize to newSize changes. `previous` gives the old partial
 * tiles (those of tilesToExtend); `completed` holds the nodes the append completed (CompactRange.append:
 * those at heights 8L are the new tile entries; others are ignored).
 */
export function appendToTiles(
  oldSize: number,
  newSize: number,
  previous: (tile: TileSpec) => readonly Uint8Array[] | undefined,
  completed: readonly PerfectNode[],
): Tile[] {
  const fresh = new Map<string, Uint8Array>();
  for (const node of completed) {
    if (node.height % TILE_HEIGHT === 0) fresh.set(nodeKey(node), node.hash);
  }
  return tilesChangedByAppend(oldSize, newSize).map((tile) => {
    const oldWidth = tileWidth(tile, oldSize);
    const kept = oldWidth > 0 ? previous({ ...tile, width: oldWidth }) : [];
    if (!kept || kept.length < oldWidth) {
      throw new TileError(
        `The append needs the ${oldWidth} entries of tile ${tileKey(tile)} at size ${oldSize}.`,
      );
    }
    const hashes = kept.slice(0, oldWidth);
    for (let entry = oldWidth; entry < tile.width; entry++) {
      const ref = { height: tile.level * TILE_HEIGHT, index: tile.index * TILE_WIDTH + entry };
      const hash = fresh.get(nodeKey(ref));
      if (!hash)
        throw new TileError(`The append did not supply node ${nodeKey(ref)} for tile ${tileKey(tile)}.`);
      hashes.push(hash);
    }
    return { ...tile, hashes };
  });
}

/** A tile's bytes as C2SP serves them: its hashes concatenated (8,192 bytes when full). */
export function encodeTile(hashes: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((hash, i) => {
    if (hash.length !== HASH_SIZE) throw new TileError('A tile entry is a 32-byte hash.');
    bytes.set(hash, i * HASH_SIZE);
  });
  return bytes;
}

export function decodeTile(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0 || bytes.length % HASH_SIZE !== 0 || bytes.length > TILE_WIDTH * HASH_SIZE) {
    throw new TileError(`A tile is 1 to 256 hashes of 32 bytes, not ${bytes.length} bytes.`);
  }
  return Array.from({ length: bytes.length / HASH_SIZE }, (_, i) =>
    bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE),
  );
}

/** C2SP's spelling of a tile index: 3-digit groups, all but the last prefixed with x (1234067 is x001/x234/067). */
function indexPath(index: number): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

const widthSuffix = (width: number) => (width < TILE_WIDTH ? `.p/${width}` : '');

/** The C2SP path of a tile: tile/<L>/<N>[.p/<W>]. */
export const tilePath = (tile: TileSpec) =>
  `tile/${tile.level}/${indexPath(tile.index)}${widthSuffix(tile.width)}`;

/** Entry bundles: level 0 geometry, holding what the log keeps per leaf (here, its record's key). */
export const BUNDLE_SIZE = TILE_WIDTH;

export interface BundleSpec {
  index: number;
  width: number;
}

export interface Bundle<T> extends BundleSpec {
  entries: T[];
}

/** Which bundle holds a leaf, and where in it. */
export function bundleOfLeaf(leafIndex: number): { index: number; offset: number } {
  assertCount('leafIndex', leafIndex);
  return { index: Math.floor(leafIndex / BUNDLE_SIZE), offset: leafIndex % BUNDLE_SIZE };
}

/** The width of a bundle in a tree of treeSize leaves, 0 when it does not exist yet. */
export const bundleWidth = (index: number, treeSize: number) => tileWidth({ level: 0, index }, treeSize);

export const bundlesForTreeSize = (treeSize: number): BundleSpec[] =>
  tilesForTreeSize(treeSize)
    .filter((tile) => tile.level === 0)
    .map(({ index, width }) => ({ index, width }));

export const bundlesChangedByAppend = (oldSize: number, newSize: number): BundleSpec[] =>
  tilesChangedByAppend(oldSize, newSize)
    .filter((tile) => tile.level === 0)
    .map(({ index, width }) => ({ index, width }));

/**
 * The new contents of every bundle an append from oldSize to newSize changes: `previous` gives the old
 * partial bundle, `added` the entries of leaves oldSize .. newSize - 1 in order.
 */
export function appendToBundles<T>(
  oldSize: number,
  newSize: number,
  previous: (bundle: BundleSpec) => readonly T[] | undefined,
  added: readonly T[],
): Bundle<T>[] {
  assertGrowth(oldSize, newSize);
  if (added.length !== newSize - oldSize) {
    throw new TileError(
      `Growing from ${oldSize} to ${newSize} adds ${newSize - oldSize} entries, not ${added.length}.`,
    );
  }
  return bundlesChangedByAppend(oldSize, newSize).map((bundle) => {
    const oldWidth = bundleWidth(bundle.index, oldSize);
    const kept = oldWidth > 0 ? previous({ index: bundle.index, width: oldWidth }) : [];
    if (!kept || kept.length < oldWidth) {
      throw new TileError(
        `The append needs the ${oldWidth} entries of bundle ${bundle.index} at size ${oldSize}.`,
      );
    }
    const first = bundle.index * BUNDLE_SIZE;
    const entries = [
      ...kept.slice(0, oldWidth),
      ...added.slice(first + oldWidth - oldSize, first + bundle.width - oldSize),
    ];
    return { ...bundle, entries };
  });
}

/** The C2SP path of an entry bundle: tile/entries/<N>[.p/<W>]. */
export const bundlePath = (bundle: BundleSpec) =>
  `tile/entries/${indexPath(bundle.index)}${widthSuffix(bundle.width)}`;
