/**
 * @module cli/transfer-command
 * `quarry export --namespace NS > file.jsonl` and `quarry import file.jsonl
 * [--namespace NS]`: moves one namespace — collections, documents (with
 * their vectors), retrievers, MCP servers, sessions and their messages — between any two
 * stores (SQLite ↔ PostgreSQL), through the `Store` interface only. One JSON
 * object per line, `{"type": …, "record": …}`, parents before children.
 * Ids are kept when the target store does not hold the namespace's id, so
 * clients' session and document ids stay valid across a move. Imported into
 * the store it came from (a copy under a new name), every record gets a new
 * id and every reference to an old id is rewritten. Not carried: run event
 * logs, executions, feedback and memories (history stays as messages).
 */
import { createWriteStream } from 'node:fs';
import type { Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import { bootstrap } from '../sessions/bootstrap.js';
import { exportNamespace } from './namespace-export.js';
import { importNamespace } from './namespace-import.js';
import { readLines } from './transfer-format.js';

export { exportNamespace } from './namespace-export.js';
export { importNamespace } from './namespace-import.js';
export { readLines, type ExportLine } from './transfer-format.js';

/** `quarry export --namespace NS [--output FILE]` (stdout by default) and `quarry import FILE [--namespace NS]`. */
export async function transferCommand(
  config: Config,
  command: 'export' | 'import',
  options: { namespace?: string; file?: string },
  print: (line: string) => void,
): Promise<number> {
  const store = await openStore(config);
  try {
    const { orgId } = await bootstrap(store, { apiKey: config.apiKey, now: Date.now });
    if (command === 'export') {
      const output = options.file ? createWriteStream(options.file) : process.stdout;
      const counts = await exportNamespace(store, orgId, options.namespace ?? 'default', (line) => {
        if (!output.write(`${line}\n`)) return new Promise<void>((resolve) => output.once('drain', () => resolve()));
      });
      if (options.file)
        await new Promise<void>((resolve) => (output as ReturnType<typeof createWriteStream>).end(() => resolve()));
      process.stderr.write(`Exported ${describe(counts)} from ${store.kind}.\n`);
      return 0;
    }
    if (!options.file) {
      print('Usage: quarry import FILE.jsonl [--namespace NS]');
      return 2;
    }
    const counts = await importNamespace(store, orgId, readLines(options.file), options.namespace);
    print(`Imported ${describe(counts)} into ${store.kind}.`);
    return 0;
  } finally {
    await store.close();
  }
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([type]) => type !== 'header')
    .map(([type, count]) => `${count} ${type}${count === 1 ? '' : 's'}`)
    .join(', ');
}
