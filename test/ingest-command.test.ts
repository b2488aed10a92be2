import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quarry-ingest-'));
  const files = join(root, 'files');
  mkdirSync(join(files, 'notes'), { recursive: true });
  writeFileSync(
    join(files, 'videos.jsonl'),
    ['{"title":"Intro to ML","views":10}', '{"title": broken', '{"title":"Bread basics","views":3}'].join('\n'),
  );
  writeFileSync(join(files, 'courses.csv'), 'title,price\nAstronomy 101,20\nWoodworking,35,extra\nChess openings,15\n');
  writeFileSync(join(files, 'notes', 'guide.md'), '# Gardening guide\n\nWater in the morning.');
  writeFileSync(join(files, 'notes', 'readme.txt'), 'Plain text notes about climate.');
  writeFileSync(join(files, 'notes', 'image.png'), 'not really an image');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ingest = () =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'ingest', 'library', join(root, 'files'), '--data-dir', join(root, 'data')],
    { encoding: 'utf8', env: { ...process.env, QUARRY_LOG_LEVEL: 'silent' } },
  );

describe('quarry ingest', () => {
  it('stores good rows from every format, reports bad rows with file and line, and skips them all on a re-run', async () => {
    const first = ingest();
    expect(first.status, first.stderr).toBe(1);
    const output = first.stdout + first.stderr;
    expect(output).toMatch(/videos\.jsonl:2/);
    expect(output).toMatch(/courses\.csv:3/);
    expect(output).toMatch(/image\.png/);
    const store = createSqliteStore({ dataDir: join(root, 'data') });
    const organization = await store.organizations.first();
    const namespace = await store.namespaces.resolve({ orgId: organization!.org_id }, 'default');
    const scope = { orgId: organization!.org_id, namespaceId: namespace!.namespace_id };
    const collection = await store.collections.resolve(scope, 'library');
    const page = await store.documents.list(scope, collection!.collection_id, {
      filter: null,
      limit: 100,
      offset: 0,
      includeTotal: true,
    });
    expect(page.total).toBe(6);
    expect(page.items.map((document) => document.data.title).sort()).toEqual([
      'Astronomy 101',
      'Bread basics',
      'Chess openings',
      'Gardening guide',
      'Intro to ML',
      'readme',
    ]);
    await store.close();

    const second = ingest();
    expect(second.stdout + second.stderr).toMatch(/6 already stored|skipped.*6|6.*skipped/i);
  }, 60_000);

  it('creates a namespace that --namespace names and keeps the good CSV rows around a malformed one', async () => {
    const file = join(root, 'broken.csv');
    writeFileSync(file, 'title,price\nFirst,1\n"Unclosed quote,2\nThird,3\n');
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        'ingest',
        'shop',
        file,
        '--namespace',
        'brand-new',
        '--data-dir',
        join(root, 'data'),
      ],
      { encoding: 'utf8', env: { ...process.env, QUARRY_LOG_LEVEL: 'silent' } },
    );
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain("Created namespace 'brand-new'.");
    expect(result.stdout).toMatch(/Ingested 1 file: 3 rows in/);
    expect(result.stdout).toMatch(/broken\.csv:3: CSV parse error/);
    const store = createSqliteStore({ dataDir: join(root, 'data') });
    const organization = await store.organizations.first();
    const namespace = await store.namespaces.resolve({ orgId: organization!.org_id }, 'brand-new');
    const scope = { orgId: organization!.org_id, namespaceId: namespace!.namespace_id };
    const collection = await store.collections.resolve(scope, 'shop');
    const page = await store.documents.list(scope, collection!.collection_id, {
      filter: null,
      limit: 100,
      offset: 0,
      includeTotal: true,
    });
    expect(page.items.map((document) => document.data.title).sort()).toEqual(['First', 'Third']);
    await store.close();
  }, 60_000);
});
