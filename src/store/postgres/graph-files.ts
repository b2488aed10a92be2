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
import { open, readdir, readFile, rename, rm, mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isWellFormedId } from '../../lib/ids.js';

const SIDECAR_FORMAT = 2;

export interface GraphFiles {
  collectionId: string;
  incarnation: number;
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
  return {
    collectionId,
    incarnation,
    directory: join(dataDir, 'vector-index'),
    base: `pg-${collectionId}-${incarnation}`,
  };
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
  const unique = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
  const graph = `${files.base}.${unique}.hnsw`;
  const temporary = `${sidecarPath(files)}.${unique}.tmp`;
  try {
    await writeGraph(join(files.directory, graph));
    await syncFile(join(files.directory, graph));
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify({ format: SIDECAR_FORMAT, graph, ...sidecar }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, sidecarPath(files));
  } catch (error) {
    await Promise.all([rm(join(files.directory, graph), { force: true }), rm(temporary, { force: true })]);
    throw error;
  }
  if (typeof previous === 'string' && basename(previous) === previous && previous !== graph)
    await rm(join(files.directory, previous), { force: true });
  // Two writers at once each remove the file they replaced; the loser's own file is named by no sidecar.
  await removeOrphans(
    files.directory,
    (name) => name.startsWith(`${files.base}.`) && name.endsWith('.hnsw') && name !== graph,
  );
}

/** Graph files a process no longer needs: of collections (or incarnations) the database no longer has. */
export async function sweepGraphFiles(
  dataDir: string,
  live: (saved: { collectionId: string; incarnation: number }[]) => Promise<Set<string>>,
): Promise<void> {
  const directory = join(dataDir, 'vector-index');
  const names = await readdir(directory).catch(() => [] as string[]);
  const saved = new Map<string, { collectionId: string; incarnation: number }>();
  for (const name of names) {
    const match = /^pg-(.+)-(\d+)\.(?:json|[0-9a-z]+\.hnsw|[0-9a-z]+\.tmp)$/.exec(name);
    if (match) saved.set(`pg-${match[1]}-${match[2]}`, { collectionId: match[1], incarnation: Number(match[2]) });
  }
  if (saved.size === 0) return;
  const kept = await live([...saved.values()]);
  await removeOrphans(
    directory,
    (name) => {
      const base = [...saved.keys()].find((candidate) => name.startsWith(`${candidate}.`));
      return base !== undefined && !kept.has(base);
    },
    0,
  );
}

/** Removes the files `matches` picks that were last written more than `graceMs` ago (a reader may still open them). */
async function removeOrphans(directory: string, matches: (name: string) => boolean, graceMs = 60_000): Promise<void> {
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    if (!matches(name)) continue;
    const path = join(directory, name);
    const written = await stat(path).then(
      (info) => info.mtimeMs,
      () => null,
    );
    if (written !== null && Date.now() - written >= graceMs) await rm(path, { force: true });
  }
}

/** Flushes a file's data to disk, so a sidecar renamed after it never names a file a crash left empty. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
