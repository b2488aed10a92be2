/**
 * @module bench/test-collection
 * Reads a relevance-judged test collection in the SMART format that CISI,
 * CACM, CRAN, MED and NPL share: `X.ALL` (documents), `X.QRY` (queries),
 * `X.REL` (judgments), under those names or the ones CRAN and CACM ship with. Records start at `.I <id>`; fields are `.T` title,
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
        if (marker[2]?.trim() && current)
          current.fields.set(field, `${current.fields.get(field) ?? ''}${marker[2].trim()}\n`);
      }
      continue;
    }
    if (current && field) current.fields.set(field, `${current.fields.get(field) ?? ''}${line}\n`);
  }
  return records;
}

/**
 * Judgment lines in either layout these collections use: `query document [0 0.0]` (CISI, CACM, CRAN;
 * a grade of -1 means "not relevant" in CRAN) or TREC's `query 0 document grade` (MED and later
 * releases), told apart by which column is always 0. A grade ≤ 0 in TREC layout is "not relevant".
 */
export function parseJudgments(source: string): Map<string, Set<string>> {
  const rows = source
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns.length >= 2 && columns[0] !== '');
  const trec =
    rows.length > 0 &&
    rows.every((columns) => columns.length >= 4 && columns[1] === '0') &&
    rows.some((columns) => columns[2] !== '0');
  const judgments = new Map<string, Set<string>>();
  for (const columns of rows) {
    const [query, document, grade] = trec ? [columns[0], columns[2], columns[3]] : [columns[0], columns[1], columns[2]];
    if (trec ? Number(grade) <= 0 : grade === '-1') continue;
    const queryId = String(Number(query));
    if (!judgments.has(queryId)) judgments.set(queryId, new Set());
    judgments.get(queryId)!.add(String(Number(document)));
  }
  return judgments;
}

/**
 * Cranfield's queries are numbered with gaps (001…365 for 225 queries) while its judgments number them
 * 1…225 in order: when the ids have gaps and no judgment names an id beyond the count, renumber in order.
 */
export function alignQueryIds<T extends { id: string }>(queries: T[], judgments: ReadonlyMap<string, unknown>): T[] {
  const ids = queries.map((query) => Number(query.id));
  const gaps = Math.max(...ids) > queries.length;
  const judged = [...judgments.keys()].map(Number);
  if (!gaps || judged.length === 0 || Math.max(...judged) > queries.length) return queries;
  return queries.map((query, index) => ({ ...query, id: String(index + 1) }));
}

const clean = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();

/** The documents, queries and judgments files of a directory, by the names these collections ship with. */
const FILES = {
  documents: /\.all(\.\d+)?$/i,
  queries: /(\.qry|^query\.text)$/i,
  judgments: /(\.rel|qrels?(\.text)?)$/i,
};

/** Loads the one documents/queries/judgments triple found in `directory` (X.ALL, X.QRY, X.REL, or cran.all.1400, cran.qry, cranqrel, …). */
export function loadTestCollection(directory: string): TestCollection {
  const files = readdirSync(directory);
  const find = (kind: keyof typeof FILES) => {
    const file = files.find((name) => FILES[kind].test(name));
    if (!file) throw new Error(`${directory} has no ${kind} file (${FILES[kind]})`);
    return { file, text: readFileSync(join(directory, file), 'latin1') };
  };
  const all = find('documents');
  const name = all.file.replace(/\.all(\.\d+)?$/i, '').toUpperCase();
  const documents = parseSmart(all.text).map((record) => ({
    id: record.id,
    title: clean(record.fields.get('T')),
    text: clean(record.fields.get('W')),
  }));
  const judgments = parseJudgments(find('judgments').text);
  const queries = parseSmart(find('queries').text).map((record) => ({
    id: record.id,
    text: clean(`${record.fields.get('T') ?? ''} ${record.fields.get('W') ?? ''}`),
  }));
  return { name, documents, queries: alignQueryIds(queries, judgments), judgments };
}
