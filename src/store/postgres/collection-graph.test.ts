import { afterAll, describe, expect, it, vi } from 'vitest';
import { CollectionGraph } from './collection-graph.js';
import { CollectionVectors } from './collection-vectors.js';
import { mulberry32 } from '../../retrieval/stages/sample.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphFilesFor } from './graph-files.js';

const DIMENSIONS = 16;

function filledCopy(count: number, next: () => number, firstKey = 1): CollectionVectors {
  const copy = new CollectionVectors('col_1', DIMENSIONS);
  for (let key = firstKey; key < firstKey + count; key++) store(copy, key, randomVector(next));
  return copy;
}
function randomVector(next: () => number): Float32Array {
  return Float32Array.from({ length: DIMENSIONS }, () => next() * 2 - 1);
}
function store(copy: CollectionVectors, key: number, vector: Float32Array): void {
  copy.upsert(key, `doc_${key}`, (target) => {
    target.set(vector);
    return true;
  });
}
function unit(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}
function attach(copy: CollectionVectors, efSearch = 200, files: ReturnType<typeof graphFilesFor> | null = null) {
  copy.graph = new CollectionGraph(copy, DIMENSIONS, copy.size, efSearch, files);
  copy.graph.fill();
  return copy.graph;
}
function clone(copy: CollectionVectors): CollectionVectors {
  const twin = new CollectionVectors('col_1', DIMENSIONS);
  for (const key of copy.liveKeys()) store(twin, key, Float32Array.from(copy.vectorOf(key)!));
  return twin;
}

describe('CollectionGraph', () => {
  it('finds what an exact scan of its copy finds, and follows the copy’s changes made during and after the build', async () => {
    const next = mulberry32(7);
    const copy = filledCopy(3_000, next);
    const graph = attach(copy);
    expect(graph.ready).toBe(false);
    // Changes while the build runs: replaced, removed and new vectors, told by the copy.
    for (let key = 1; key <= 50; key++) store(copy, key, randomVector(next));
    for (let key = 51; key <= 100; key++) copy.remove(key);
    for (let key = 3_001; key <= 3_050; key++) store(copy, key, randomVector(next));
    await graph.drained();
    expect(graph.lag).toBe(0);
    expect(graph.size).toBe(copy.size);

    let found = 0;
    for (let query = 0; query < 30; query++) {
      const vector = unit(randomVector(next));
      const exact = copy.search(vector, 10, null).map((hit) => hit.key);
      const approximate = graph.search(vector, 10, null).map(([, key]) => key);
      found += approximate.filter((key) => exact.includes(key)).length;
      for (const key of approximate) expect(key < 51 || key > 100).toBe(true);
    }
    expect(found / 300).toBeGreaterThan(0.95);
  });

  it('answers a write at once, before the drain inserts it, and never returns a replaced or removed vector', async () => {
    const next = mulberry32(9);
    const copy = filledCopy(2_000, next);
    const graph = attach(copy);
    await graph.drained();
    const before = unit(Float32Array.from(copy.vectorOf(7)!));
    const after = unit(randomVector(next));
    store(copy, 7, after);
    expect(graph.lag).toBe(1);
    expect(graph.search(after, 1, null)[0]).toEqual([expect.closeTo(1, 5), 7]);
    const nearBefore = graph.search(before, 5, null);
    expect(nearBefore.find(([, key]) => key === 7)?.[0] ?? -1).toBeLessThan(0.999);
    await graph.drained();
    expect(graph.lag).toBe(0);
    expect(graph.search(after, 1, null)[0]).toEqual([expect.closeTo(1, 5), 7]);
    copy.remove(7);
    expect(graph.search(after, 5, null).map(([, key]) => key)).not.toContain(7);
  });

  it('tells apart document keys beyond 32 bits (hnswlib labels are 32-bit)', async () => {
    const next = mulberry32(13);
    const copy = filledCopy(200, next);
    const high = 2 ** 32 + 5;
    const vector = unit(randomVector(next));
    store(copy, high, vector);
    const graph = attach(copy);
    await graph.drained();
    expect(graph.size).toBe(201);
    expect(graph.search(vector, 1, null)[0]).toEqual([expect.closeTo(1, 5), high]);
    expect(graph.search(unit(Float32Array.from(copy.vectorOf(5)!)), 1, null)[0][1]).toBe(5);
    copy.remove(high);
    copy.remove(5);
    expect(graph.size).toBe(199);
  });

  it('returns only allowed keys under a filter', async () => {
    const next = mulberry32(11);
    const copy = filledCopy(2_000, next);
    const graph = attach(copy, 100);
    await graph.drained();
    const allowed = new Set(copy.liveKeys().filter((key) => key % 3 === 0));
    const hits = graph.search(unit(randomVector(next)), 10, allowed, allowed.size / copy.size);
    expect(hits).toHaveLength(10);
    for (const [, key] of hits) expect(key % 3).toBe(0);
  });

  it('stops draining and ignores changes once abandoned, and says when deletions wore it out', async () => {
    const next = mulberry32(3);
    const copy = filledCopy(5_000, next);
    const graph = attach(copy);
    graph.abandon();
    await graph.drained();
    expect([graph.ready, graph.size, graph.lag]).toEqual([false, 0, 0]);
    store(copy, 1, randomVector(next));
    expect(graph.lag).toBe(0);

    const small = filledCopy(1_500, next);
    const fresh = attach(small);
    await fresh.drained();
    expect(fresh.worn).toBe(false);
    for (let key = 1; key <= 1_100; key++) small.remove(key);
    expect(fresh.worn).toBe(true);
  });

  it('stops inserting when stopped (a closing store), leaving the rest pending', async () => {
    const next = mulberry32(43);
    const copy = filledCopy(20_000, next);
    const graph = attach(copy);
    while (graph.size === 0) await new Promise((resolve) => setImmediate(resolve));
    graph.stop();
    await graph.drained();
    expect(graph.size).toBeGreaterThan(0);
    expect(graph.size + graph.lag).toBe(copy.size);
    expect(graph.lag).toBeGreaterThan(0);
  });

  describe('saved between starts', () => {
    const directory = mkdtempSync(join(tmpdir(), 'quarry-graph-'));
    const files = graphFilesFor(directory, 'col_abc123', 7);
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    it('loads a saved graph, keeping only the nodes whose vectors the new copy still holds', async () => {
      const next = mulberry32(21);
      const first = filledCopy(2_000, next);
      const built = attach(first, 200, files);
      await built.drained();
      expect(built.source).toBe('built');
      await built.save();

      // The next start's copy: one vector replaced, one removed, one added since the save.
      const second = clone(first);
      const replaced = unit(randomVector(next));
      store(second, 5, replaced);
      second.remove(6);
      const added = unit(randomVector(next));
      store(second, 9_999, added);
      const loaded = attach(second, 200, files);
      await loaded.drained();
      expect(loaded.source).toBe('loaded');
      expect(loaded.size).toBe(second.size);
      expect(loaded.search(replaced, 1, null)[0]).toEqual([expect.closeTo(1, 5), 5]);
      expect(loaded.search(added, 1, null)[0]).toEqual([expect.closeTo(1, 5), 9_999]);
      const six = unit(Float32Array.from(first.vectorOf(6)!));
      expect(loaded.search(six, 10, null).map(([, key]) => key)).not.toContain(6);
      const query = unit(randomVector(next));
      const exact = second.search(query, 10, null).map((hit) => hit.key);
      const found = loaded.search(query, 10, null).filter(([, key]) => exact.includes(key)).length;
      expect(found).toBeGreaterThanOrEqual(9);
    });

    it('keeps a deletion made while it writes out of searches, and marks it once the write is done', async () => {
      const next = mulberry32(23);
      const copy = filledCopy(1_500, next);
      const graph = attach(copy, 200, files);
      await graph.drained();
      const vector = unit(Float32Array.from(copy.vectorOf(42)!));
      store(copy, 43, randomVector(next));
      await graph.drained();
      const saving = graph.save();
      copy.remove(42);
      expect(graph.search(vector, 5, null).map(([, key]) => key)).not.toContain(42);
      await saving;
      expect(graph.search(vector, 5, null).map(([, key]) => key)).not.toContain(42);
      expect(graph.size).toBe(1_499);
    });

    it('adopts no saved node whose key got a new vector while it loaded (the same vector again included)', async () => {
      const next = mulberry32(31);
      const first = filledCopy(1_000, next);
      const built = attach(first, 200, files);
      await built.drained();
      await built.save();
      const second = clone(first);
      const loaded = attach(second, 200, files);
      // Stored again while the saved graph loads: a replaced document with the same embedding.
      store(second, 5, Float32Array.from(second.vectorOf(5)!));
      await loaded.drained();
      expect(loaded.source).toBe('loaded');
      expect(loaded.size).toBe(1_000);
      const five = unit(Float32Array.from(second.vectorOf(5)!));
      expect(loaded.search(five, 3, null).filter(([, key]) => key === 5)).toHaveLength(1);
      const moved = unit(randomVector(next));
      store(second, 5, moved);
      await loaded.drained();
      expect(loaded.search(five, 3, null).map(([, key]) => key)).not.toContain(5);
    });

    it('changes nothing in the graph while hnswlib writes it, and survives a failed write', async () => {
      const next = mulberry32(37);
      const copy = filledCopy(1_200, next);
      const graph = attach(copy, 200, files);
      await graph.drained();
      store(copy, 7, randomVector(next));
      await graph.drained();
      type Index = {
        markDelete(label: number): void;
        addPoint(point: number[], label: number): void;
        writeIndex(path: string): Promise<boolean>;
      };
      const index = (graph as unknown as { index: Index }).index;
      // From the save's start until hnswlib has written the file, nothing may change the graph.
      let writing = false;
      const during: string[] = [];
      const writeIndex = index.writeIndex.bind(index);
      vi.spyOn(index, 'writeIndex').mockImplementation(async (path) => {
        try {
          return await writeIndex(path);
        } finally {
          writing = false;
        }
      });
      const markDeleteOriginal = index.markDelete.bind(index);
      const addPointOriginal = index.addPoint.bind(index);
      const markDelete = vi.spyOn(index, 'markDelete').mockImplementation((label) => {
        if (writing) during.push(`markDelete ${label}`);
        markDeleteOriginal(label);
      });
      const addPoint = vi.spyOn(index, 'addPoint').mockImplementation((point, label) => {
        if (writing) during.push(`addPoint ${label}`);
        addPointOriginal(point, label);
      });
      writing = true;
      const saving = graph.save();
      store(copy, 8, randomVector(next));
      copy.remove(9);
      await saving;
      await graph.drained();
      expect(during).toEqual([]);
      expect(markDelete).toHaveBeenCalled();
      expect(addPoint).toHaveBeenCalled();
      expect(graph.search(unit(Float32Array.from(copy.vectorOf(8)!)), 1, null)[0][1]).toBe(8);

      // A write that fails (the directory is a file) rejects the save only: writes during it and an abandon are fine.
      const blocked = join(directory, 'blocked');
      writeFileSync(blocked, 'not a directory');
      const failing = filledCopy(1_100, next, 10_000);
      const doomed = attach(failing, 200, graphFilesFor(blocked, 'col_abc123', 1));
      await doomed.drained();
      const failed = doomed.save();
      store(failing, 10_001, randomVector(next));
      doomed.abandon();
      await expect(failed).rejects.toThrow();
      await doomed.drained();
    });

    it('builds from scratch when the saved graph file does not match its sidecar', async () => {
      const next = mulberry32(41);
      const copy = filledCopy(300, next);
      const graph = attach(copy, 200, files);
      await graph.drained();
      await graph.save();
      const sidecar = join(files.directory, `${files.base}.json`);
      const named = (JSON.parse(readFileSync(sidecar, 'utf8')) as { graph: string }).graph;
      writeFileSync(join(files.directory, named), 'truncated');
      const again = attach(clone(copy), 200, files);
      await again.drained();
      expect([again.source, again.size]).toEqual(['built', 300]);
    });

    it('builds from scratch when the saved files are torn', async () => {
      writeFileSync(join(files.directory, `${files.base}.json`), '{"format":2,"dimensions":16,"keys":[1,2');
      const next = mulberry32(29);
      const copy = filledCopy(500, next);
      const graph = attach(copy, 200, files);
      await graph.drained();
      expect(graph.source).toBe('built');
      expect(graph.size).toBe(500);
    });
  });
});
