/**
 * @module store/postgres/graph-files
 * Where a process keeps a collection's in-process HNSW graph between starts:
 * `<dataDir>/vector-index/pg-<collection_id>-<incarnation>.hnsw` (hnswlib's
 * file) and a `.json` sidecar saying which document key each node holds and a
 * fingerprint of its vector, so that a loaded graph keeps only the nodes whose
 * vectors the freshly loaded copy still holds. Both are written to temporary
 * files first and renamed, so a reader never sees half a file; a file that
 * does not match is only a cache, and the graph is built again.
 */
import { readFile, rename, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isWellFormedId } from '../../lib/ids.js';

const SIDECAR_FORMAT = 1;

export interface GraphFiles {
  graph: string;
  sidecar: string;
}

export interface GraphSidecar {
  format: number;
  dimensions: number;
  /** Per node (label): the document key it holds, -1 for a deleted node. */
  keys: number[];
  /** Per node: the fingerprint of its vector (`vectorFingerprint`), 0 for a deleted node. */
  fingerprints: number[];
}

export function graphFilesFor(dataDir: string, collectionId: string, incarnation: number): GraphFiles {
  // The id becomes a file name: only the id grammar may (no `/`, no `..`), whatever reached the store.
  if (!isWellFormedId(collectionId) || !Number.isSafeInteger(incarnation))
    throw new Error(`Refusing a vector graph file for the malformed collection '${collectionId}'.`);
  const base = join(dataDir, 'vector-index', `pg-${collectionId}-${incarnation}`);
  return { graph: `${base}.hnsw`, sidecar: `${base}.json` };
}

/** The sidecar, or null when it is missing, torn or of another format or size. */
export async function readSidecar(files: GraphFiles, dimensions: number): Promise<GraphSidecar | null> {
  try {
    const sidecar = JSON.parse(await readFile(files.sidecar, 'utf8')) as GraphSidecar;
    const valid =
      sidecar.format === SIDECAR_FORMAT &&
      sidecar.dimensions === dimensions &&
      Array.isArray(sidecar.keys) &&
      Array.isArray(sidecar.fingerprints) &&
      sidecar.keys.length === sidecar.fingerprints.length;
    return valid ? sidecar : null;
  } catch {
    return null;
  }
}

/**
 * Writes the graph (through `writeGraph`, given a temporary path) and its sidecar, then renames both into place:
 * the graph first, so a sidecar never describes an older graph than the one beside it.
 */
export async function writeGraphFiles(
  files: GraphFiles,
  writeGraph: (path: string) => Promise<unknown>,
  sidecar: Omit<GraphSidecar, 'format'>,
): Promise<void> {
  const suffix = `.${process.pid}.tmp`;
  await mkdir(join(files.graph, '..'), { recursive: true });
  try {
    await writeGraph(files.graph + suffix);
    await writeFile(files.sidecar + suffix, JSON.stringify({ format: SIDECAR_FORMAT, ...sidecar }));
    await rm(files.sidecar, { force: true });
    await rename(files.graph + suffix, files.graph);
    await rename(files.sidecar + suffix, files.sidecar);
  } finally {
    await Promise.all([rm(files.graph + suffix, { force: true }), rm(files.sidecar + suffix, { force: true })]);
  }
}
