/**
 * @module store/sqlite/hnsw-collection-index
 * The HNSW graph of one large collection (hnswlib), labels being
 * `document_vectors.rowid`: built in the background, persisted to
 * `<dataDir>/vector-index/<collection_id>.hnsw` plus a `.json` sidecar
 * (temp file + rename), and brought up to date with the table after writes.
 */
import hnswlib from 'hnswlib-node';
import { isWellFormedId } from '../../lib/ids.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqliteDatabase } from './open-database.js';
import { decodeVector } from './vector-blob.js';
import { HNSW_BUILD } from '../hnsw-parameters.js';
import { vectorFingerprint } from '../vector-math.js';

const SYNC_PAGE = 500;
const SIDECAR_FORMAT = 1;

interface Sidecar {
  format: number;
  collectionId: string;
  dimensions: number;
  elements: number;
  /** Largest `documents.updated_at` the graph reflects; later (or equal) updates are re-checked on sync. */
  watermark: number;
  rowids: number[];
  fingerprints: number[];
  deleted: number[];
}

export class HnswCollectionIndex {
  source: 'built' | 'loaded' = 'built';
  /** True once the graph has caught up with the database at least once. */
  ready = false;
  private index: hnswlib.HierarchicalNSW | null = null;
  /** rowid → fingerprint of the vector the graph holds; tells an updated vector from an unchanged one. */
  private readonly live = new Map<number, number>();
  private readonly deleted = new Set<number>();
  private watermark = -Infinity;
  private stale = true;
  private unsaved = 0;
  private syncing: Promise<void> | null = null;
  private persisting: Promise<void> | null = null;
  /** hnswlib takes plain arrays; one reused array avoids allocating 384 boxed numbers per vector. */
  private readonly scratch: number[];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly collectionId: string,
    private readonly dimensions: number,
    private readonly dataDir: string | undefined,
    private readonly efSearch: number,
  ) {
    this.scratch = new Array<number>(dimensions).fill(0);
  }

  get size(): number {
    return this.live.size;
  }

  /** Roughly the graph's memory: each node's vector plus its links (M = 16, twice that on the base layer). */
  approximateBytes(): number {
    return this.live.size * (this.dimensions * 4 + 48 * 4 + 32);
  }

  markStale(): void {
    this.stale = true;
  }

  hasPersistedFiles(): boolean {
    if (!this.dataDir) return false;
    const { graphFile, sidecarFile } = this.files(this.dataDir);
    return existsSync(graphFile) && existsSync(sidecarFile);
  }

  async ensureReady(): Promise<void> {
    while (!this.index || this.stale || this.syncing) {
      this.syncing ??= this.sync().finally(() => (this.syncing = null));
      await this.syncing;
    }
    this.ready = true;
    if (this.unsaved >= Math.max(1_000, this.live.size * 0.05) || (this.source === 'built' && this.unsaved > 0)) {
      void this.persist().catch(() => undefined);
    }
  }

  /** Returns (cosine score, rowid) pairs, best first. */
  async search(
    vector: Float32Array,
    topK: number,
    selectivity: number,
    allowed: Set<number> | null,
  ): Promise<[number, number][]> {
    await this.ensureReady();
    const index = this.index!;
    const count = Math.min(topK, this.live.size);
    if (count === 0) return [];
    // A filter that passes a fraction p of the graph needs about 1/p times the candidates for the same recall.
    index.setEf(Math.min(1_000, Math.ceil(Math.max(this.efSearch, topK * 2) / Math.max(selectivity, 0.01))));
    const result = index.searchKnn(
      this.toArray(vector),
      count,
      allowed ? (label: number) => allowed.has(label) : undefined,
    );
    return result.neighbors.map((label, position) => [1 - result.distances[position], label]);
  }

  /** Writes the graph and its sidecar (temp file + rename); a no-op without `dataDir`. */
  persist(): Promise<void> {
    if (!this.dataDir || !this.index || this.unsaved === 0) return Promise.resolve();
    this.persisting ??= this.writeFiles().finally(() => (this.persisting = null));
    return this.persisting;
  }

  async removeFiles(): Promise<void> {
    if (!this.dataDir) return;
    const { graphFile, sidecarFile } = this.files(this.dataDir);
    await Promise.all([rm(graphFile, { force: true }), rm(sidecarFile, { force: true })]);
  }

  private files(dataDir: string) {
    // The id becomes a file name: only the id grammar may (no `/`, no `..`), whatever reached the store.
    if (!isWellFormedId(this.collectionId))
      throw new Error(`Refusing a vector index file for the malformed collection id '${this.collectionId}'.`);
    const directory = join(dataDir, 'vector-index');
    const base = join(directory, this.collectionId);
    return { directory, graphFile: `${base}.hnsw`, sidecarFile: `${base}.json` };
  }

  private toArray(vector: Float32Array): number[] {
    for (let index = 0; index < vector.length; index++) this.scratch[index] = vector[index];
    return this.scratch;
  }

  private async writeFiles(): Promise<void> {
    await this.syncing;
    const index = this.index;
    if (!index || !this.dataDir) return;
    const { directory, graphFile, sidecarFile } = this.files(this.dataDir);
    await mkdir(directory, { recursive: true });
    const written = this.unsaved;
    const sidecar: Sidecar = {
      format: SIDECAR_FORMAT,
      collectionId: this.collectionId,
      dimensions: this.dimensions,
      elements: index.getCurrentCount(),
      watermark: this.watermark,
      rowids: [...this.live.keys()],
      fingerprints: [...this.live.values()],
      deleted: [...this.deleted],
    };
    // The graph file is written first; a sidecar whose element count disagrees with it is rejected on load.
    await index.writeIndex(`${graphFile}.tmp`);
    await writeFile(`${sidecarFile}.tmp`, JSON.stringify(sidecar));
    await rename(`${graphFile}.tmp`, graphFile);
    await rename(`${sidecarFile}.tmp`, sidecarFile);
    this.unsaved -= written;
  }

  private async sync(): Promise<void> {
    // The graph must not change while hnswlib writes it to disk.
    await this.persisting;
    if (!this.index) await this.open();
    this.stale = false;
    await this.applyDatabaseChanges();
    if (this.deleted.size > Math.max(1_000, this.live.size)) {
      // Deleted nodes still cost memory and search time; past half the graph, start over.
      this.index = null;
      this.live.clear();
      this.deleted.clear();
      this.watermark = -Infinity;
      await this.open(false);
      await this.applyDatabaseChanges();
    }
  }

  /** Loads the persisted graph when it matches; otherwise starts an empty one sized for the collection. */
  private async open(allowLoad = true): Promise<void> {
    if (allowLoad && this.hasPersistedFiles()) {
      const { graphFile, sidecarFile } = this.files(this.dataDir!);
      try {
        const sidecar = JSON.parse(await readFile(sidecarFile, 'utf8')) as Sidecar;
        const loaded = new hnswlib.HierarchicalNSW('cosine', this.dimensions);
        await loaded.readIndex(graphFile);
        const valid =
          sidecar.format === SIDECAR_FORMAT &&
          sidecar.dimensions === this.dimensions &&
          sidecar.elements === loaded.getCurrentCount() &&
          sidecar.rowids.length === sidecar.fingerprints.length;
        if (valid) {
          sidecar.rowids.forEach((rowid, position) => this.live.set(rowid, sidecar.fingerprints[position]));
          for (const rowid of sidecar.deleted) this.deleted.add(rowid);
          this.watermark = sidecar.watermark ?? -Infinity;
          this.index = loaded;
          this.source = 'loaded';
          return;
        }
      } catch {
        // A torn or foreign file is only a cache: rebuild from the database.
      }
    }
    const { count } = this.db
      .prepare('SELECT count(*) AS count FROM document_vectors WHERE collection_id = ?')
      .get(this.collectionId) as { count: number };
    this.index = new hnswlib.HierarchicalNSW('cosine', this.dimensions);
    this.index.initIndex(Math.max(1_024, Math.ceil(count * 1.1)), HNSW_BUILD.m, HNSW_BUILD.efConstruction, 100);
    this.source = 'built';
  }

  /**
   * Brings the graph in line with `document_vectors`: adds new vectors, re-reads the
   * documents updated since the watermark (replacing a vector goes with a document
   * update), and marks vanished rowids deleted. Reading (rowid, updated_at) costs
   * ~60 ms per 100k documents; only new or updated vectors are read.
   */
  private async applyDatabaseChanges(): Promise<void> {
    const index = this.index!;
    const rows = this.db
      .prepare(
        `SELECT v.rowid, d.updated_at FROM document_vectors v JOIN documents d ON d.rowid = v.rowid
         WHERE v.collection_id = ?`,
      )
      .raw()
      .all(this.collectionId) as [number, number][];
    const seen = new Set<number>();
    const toRead: number[] = [];
    let watermark = this.watermark;
    for (const [rowid, updatedAt] of rows) {
      seen.add(rowid);
      if (!this.live.has(rowid) || updatedAt >= this.watermark) toRead.push(rowid);
      if (updatedAt > watermark) watermark = updatedAt;
    }
    const read = this.db.prepare(
      `SELECT rowid, embedding FROM document_vectors WHERE collection_id = ? AND rowid IN (${placeholders(SYNC_PAGE)})`,
    );
    for (let start = 0; start < toRead.length; start += SYNC_PAGE) {
      const page = toRead.slice(start, start + SYNC_PAGE);
      const padded = page.concat(new Array<number>(SYNC_PAGE - page.length).fill(-1));
      for (const [rowid, embedding] of read.raw().all(this.collectionId, ...padded) as [number, Buffer][]) {
        if (embedding.byteLength !== this.dimensions * 4) continue;
        const vector = decodeVector(embedding);
        const fingerprint = vectorFingerprint(vector);
        const known = this.live.get(rowid);
        if (known === fingerprint) continue;
        if (this.deleted.delete(rowid)) index.unmarkDelete(rowid);
        else if (known === undefined && index.getCurrentCount() >= index.getMaxElements()) {
          index.resizeIndex(Math.ceil(index.getMaxElements() * 1.5));
        }
        index.addPoint(this.toArray(vector), rowid);
        this.live.set(rowid, fingerprint);
        this.unsaved++;
      }
      // Building a large graph takes a while: let SSE heartbeats and other requests through between pages.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const rowid of this.live.keys()) {
      if (seen.has(rowid)) continue;
      index.markDelete(rowid);
      this.live.delete(rowid);
      this.deleted.add(rowid);
      this.unsaved++;
    }
    this.watermark = watermark;
  }
}

function placeholders(count: number): string {
  return new Array(count).fill('?').join(', ');
}
