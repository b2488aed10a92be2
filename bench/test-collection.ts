/**
 * @module bench/test-collection
 * Reads a relevance-judged test collection in the SMART format that CISI,
 * CACM, CRAN, MED and NPL share: `X.ALL` (documents), `X.QRY` (queries),
 * `X.REL` (judgments). Records start at `.I <id>`; fields are `.T` title,
 * `.A` authors, `.W` text, `.B`/`.X`/`.K`/`.N`/`.C` (others, ignored for
 * ranking). Judgment lines are `query document [0 0.0]`, whitespace-separated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestDocument {
  id: string;
  title: string;
  text: string;
}

export interface TestCollection {
  name: string;
  documents: TestDocument[];
  queries: { id: string; text: string }[];
  /** query id → ids of the documents judged relevant. */
  judgments: Map<string, Set<string>>;
}

type SmartRecord = { id: string; fields: Map<string, string> };

export function parseSmart(source: string): SmartRecord[] {
  const records: SmartRecord[] = [];
  let current: SmartRecord | null = null;
  let field = '';
  for (const line of source.split(/\r?\n/)) {
    const marker = /^\.([A-Z])(?:\s+(.*))?$/.exec(line);
    if (marker) {
      if (marker[1] === 'I') {
        current = { id: String(Number(marker[2]?.trim())), fields: new Map() };
        records.push(current);
        field = '';
      } else {
        field = marker[1];
        if (marker[2]?.trim() && current) current.fields.set(field, `${current.fields.get(field) ?? ''}${marker[2].trim()}\n`);
      }
      continue;
    }
    if (current && field) current.fields.set(field, `${current.fields.get(field) ?? ''}${line}\n`);
  }
  return records;
}

export function parseJudgments(source: string): Map<string, Set<string>> {
  const judgments = new Map<string, Set<string>>();
  for (const line of source.split(/\r?\n/)) {
    const [query, document] = line.trim().split(/\s+/);
    if (!query || !document) continue;
    const queryId = String(Number(query));
    if (!judgments.has(queryId)) judgments.set(queryId, new Set());
    judgments.get(queryId)!.add(String(Number(document)));
  }
  return judgments;
}

const clean = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();

/** Loads the one `*.ALL`/`*.QRY`/`*.REL` triple found in `directory`. */
export function loadTestCollection(directory: string): TestCollection {
  const files = readdirSync(directory);
  const find = (suffix: string) => {
    const file = files.find((name) => name.toUpperCase().endsWith(suffix));
    if (!file) throw new Error(`${directory} has no *${suffix} file`);
    return readFileSync(join(directory, file), 'latin1');
  };
  const name = (files.find((file) => file.toUpperCase().endsWith('.ALL')) ?? directory).replace(/\.ALL$/i, '');
  const documents = parseSmart(find('.ALL')).map((record) => ({ id: record.id, title: clean(record.fields.get('T')), text: clean(record.fields.get('W')) }));
  const queries = parseSmart(find('.QRY')).map((record) => ({ id: record.id, text: clean(`${record.fields.get('T') ?? ''} ${record.fields.get('W') ?? ''}`) }));
  return { name, documents, queries, judgments: parseJudgments(find('.REL')) };
}
