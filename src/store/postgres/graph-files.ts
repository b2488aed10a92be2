/**
 * @module store/postgres/graph-files
 * Where a process keeps a collection's in-process HNSW graph between starts,
 * in `<dataDir>/vector-index/`: hnswlib's file `pg-<collection_id>-<incarnation>.<generation>.hnsw`
 * and a sidecar `pg-<collection_id>-<incarnation>.json` that names it and
 * says which document key each node holds, with a fingerprint of its vector,
 * so that a loaded graph keeps only the nodes whose vectors the freshly loaded
 * copy still holds.
 *
 * Every write makes a graph file of a new generation, then replaces the
 * sidecar (temporary file + rename), then removes the file the old sidecar
 * named: a reader that has read a sidecar finds the graph it describes, or
 * no file at all (two processes may share a data directory). A file that does
 * not match is only a cache, and the graph is built again.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isWellFormedId } from '../../lib/ids.js';

const SIDECAR_FORMAT = 2;

export interface GraphFiles {
  directory: string;
  /** `pg-<collection_id>-<incarnation>`: the sidecar's name and the graph files' prefix. */
  base: string;
}

export interface GraphSidecar {
  format: number;
  /** The graph file this sidecar describes (a name in the same directory). */
  graph: string;
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
  return { directory: join(dataDir, 'vector-index'), base: `pg-${collectionId}-${incarnation}` };
}

const sidecarPath = (files: GraphFiles) => join(files.directory, `${files.base}.json`);

/** The sidecar and the path of the graph it describes, or null when missing, torn, or of another format or size. */
export async function readSidecar(
  files: GraphFiles,
  dimensions: number,
): Promise<(GraphSidecar & { graphPath: string }) | null> {
  try {
    const sidecar = JSON.parse(await readFile(sidecarPath(files), 'utf8')) as GraphSidecar;
    const valid =
      sidecar.format === SIDECAR_FORMAT &&
      sidecar.dimensions === dimensions &&
      typeof sidecar.graph === 'string' &&
      basename(sidecar.graph) === sidecar.graph &&
      sidecar.graph.startsWith(`${files.base}.`) &&
      sidecar.graph.endsWith('.hnsw') &&
      Array.isArray(sidecar.keys) &&
      Array.isArray(sidecar.fingerprints) &&
      sidecar.keys.length === sidecar.fingerprints.length;
    return valid ? { ...sidecar, graphPath: join(files.directory, sidecar.graph) } : null;
  } catch {
    return null;
  }
}

/** Removes the sidecar and the graph it names (the collection is gone). */
export async function removeGraphFiles(files: GraphFiles): Promise<void> {
  const graph = await readFile(sidecarPath(files), 'utf8')
    .then((text) => (JSON.parse(text) as Partial<GraphSidecar>).graph)
    .catch(() => undefined);
  await rm(sidecarPath(files), { force: true });
  if (typeof graph === 'string' && basename(graph) === graph && graph.startsWith(`${files.base}.`))
    await rm(join(files.directory, graph), { force: true });
}

/** Writes a new generation of the graph (through `writeGraph`, given its path) and points the sidecar at it. */
export async function writeGraphFiles(
  files: GraphFiles,
  writeGraph: (path: string) => Promise<unknown>,
  sidecar: Omit<GraphSidecar, 'format' | 'graph'>,
): Promise<void> {
  await mkdir(files.directory, { recursive: true });
  const previous = await readFile(sidecarPath(files), 'utf8')
    .then((text) => (JSON.parse(text) as Partial<GraphSidecar>).graph)
    .catch(() => undefined);
  const graph = `${files.base}.${Date.now().toString(36)}${randomBytes(4).toString('hex')}.hnsw`;
  const temporary = `${sidecarPath(files)}.${process.pid}.tmp`;
  try {
    await writeGraph(join(files.directory, graph));
    await writeFile(temporary, JSON.stringify({ format: SIDECAR_FORMAT, graph, ...sidecar }));
    await rename(temporary, sidecarPath(files));
  } catch (error) {
    await Promise.all([rm(join(files.directory, graph), { force: true }), rm(temporary, { force: true })]);
    throw error;
  }
  if (typeof previous === 'string' && basename(previous) === previous && previous !== graph)
    await rm(join(files.directory, previous), { force: true });
}
