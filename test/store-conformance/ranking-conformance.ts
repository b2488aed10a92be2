/**
 * Conformance: the same rankings as SQLite. One generated fixture (a few
 * hundred documents over a skewed vocabulary, so term statistics matter) is
 * written to the store under test and to a reference SQLite store in the
 * same order; every query's top 10 (order and scores) must be the same,
 * with and without a filter, over one and two collections, after
 * replacements and deletions, and read through a second store over the
 * same database (another process) after writes through the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FilterNode } from '../../src/store/filter-node.js';
import type { Store } from '../../src/store/store.js';
import type { TenantScope } from '../../src/store/scope.js';
import type { ScoredHit } from '../../src/store/document-index.js';
import { createSqliteStore } from '../../src/store/sqlite/create-sqlite-store.js';
import { mulberry32 } from '../../src/retrieval/stages/sample.js';
import type { ConformanceContext } from './store-conformance.js';
import { collectionRecord, documentInput, seedTenants } from './conformance-fixtures.js';

const VOCABULARY = (
  'apple orchard river stone bread oven baking running runner runs quick brown fox jumps lazy dog garden ' +
  'flower winter summer autumn spring mountain valley forest pottery kiln glaze ceramic café naïve résumé ' +
  'engine motor wheel bicycle ride rider riding city street market fish boat harbour sail wind storm rain'
).split(' ');
const FILLER = 'the a of and in to with is on for'.split(' ');
const SHELVES = ['kitchen', 'garden', 'travel'];

/** A deterministic corpus: word choice skewed towards the start of the vocabulary, lengths 3–40. */
function corpus(seed: number, count: number): { id: string; text: string; shelf: string }[] {
  const next = mulberry32(seed);
  const word = () =>
    next() < 0.25
      ? FILLER[Math.floor(next() * FILLER.length)]
      : VOCABULARY[Math.floor(VOCABULARY.length * next() ** 2)];
  return Array.from({ length: count }, (_, index) => ({
    id: `doc_rank_${index}`,
    text: Array.from({ length: 3 + Math.floor(next() * 38) }, word).join(' '),
    shelf: SHELVES[Math.floor(next() * SHELVES.length)],
  }));
}

const shelf = (value: string): FilterNode => ({
  kind: 'condition',
  field: 'shelf',
  operator: 'eq',
  value,
  caseSensitive: true,
});

export function rankingConformance(context: ConformanceContext): void {
  describe('the same rankings as SQLite', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'quarry-ranking-'));
    let reference: Store;
    let scope: TenantScope;
    let referenceScope: TenantScope;
    const collections: { mine: string; theirs: string }[] = [];
    const next = mulberry32(77);
    const queries = Array.from({ length: 25 }, (_, index) => {
      const words = Array.from({ length: 1 + (index % 4) }, () =>
        next() < 0.15 ? FILLER[Math.floor(next() * FILLER.length)] : VOCABULARY[Math.floor(next() * VOCABULARY.length)],
      );
      return index % 7 === 6
        ? `${words.join(' ')} unknownword`
        : index % 5 === 4
          ? words.map((w) => w.toUpperCase()).join(', ')
          : words.join(' ');
    });

    /** Writes the same thing to both stores (the store under test through `store`). */
    const both = async (
      store: Store,
      write: (target: Store, scope: TenantScope, collection: (position: number) => string) => Promise<unknown>,
    ) => {
      await write(store, scope, (position) => collections[position].mine);
      await write(reference, referenceScope, (position) => collections[position].theirs);
    };

    const expectSameRankings = async (store: Store, positions: number[], filter?: FilterNode) => {
      // SQLite answers a filter's first use with FTS5 (statistics over its whole table), later uses from its
      // in-memory index (statistics per collection, as here): the reference is its in-memory answer.
      if (filter)
        await reference.index.searchText(referenceScope, {
          collectionIds: positions.map((position) => collections[position].theirs),
          text: 'warm',
          topK: 1,
          filter,
        });
      for (const text of queries) {
        const ask = (target: Store, targetScope: TenantScope, pick: (position: number) => string) =>
          target.index.searchText(targetScope, { collectionIds: positions.map(pick), text, topK: 10, filter });
        const actual = await ask(store, scope, (position) => collections[position].mine);
        const expected = await ask(reference, referenceScope, (position) => collections[position].theirs);
        const label = (hits: ScoredHit[]) =>
          hits.map(
            (hit) =>
              `${hit.document_id}@${positions[collections.findIndex((pair) => pair.mine === hit.collection_id || pair.theirs === hit.collection_id)]}`,
          );
        expect(label(actual), `query '${text}'`).toEqual(label(expected));
        actual.forEach((hit, position) =>
          expect(hit.score, `query '${text}'`).toBeCloseTo(expected[position].score, 6),
        );
      }
    };

    beforeAll(async () => {
      const store = context.store();
      reference = createSqliteStore({ dataDir });
      scope = context.tenants().one;
      referenceScope = (await seedTenants(reference)).one;
      for (const name of ['ranking-a', 'ranking-b']) {
        const mine = collectionRecord(scope, name);
        const theirs = collectionRecord(referenceScope, name);
        await store.collections.create(scope, mine);
        await reference.collections.create(referenceScope, theirs);
        collections.push({ mine: mine.collection_id, theirs: theirs.collection_id });
      }
      const documents = corpus(2026, 400);
      for (let start = 0; start < documents.length; start += 50) {
        const batch = documents.slice(start, start + 50);
        await both(store, (target, targetScope, collection) =>
          target.documents.insertMany(
            targetScope,
            collection(start < 300 ? 0 : 1),
            batch.map((document) => documentInput(document.id, { text: document.text, shelf: document.shelf })),
            10_000 + start,
          ),
        );
      }
    }, 60_000);
    afterAll(async () => {
      await reference?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('ranks one collection as SQLite does, top 10 in order with the same BM25 scores', async () => {
      await expectSameRankings(context.store(), [0]);
    });

    it('ranks under a filter and across two collections as SQLite does', async () => {
      await expectSameRankings(context.store(), [0], shelf('garden'));
      await expectSameRankings(context.store(), [0, 1]);
      await expectSameRankings(context.store(), [1, 0], shelf('kitchen'));
    });

    it('still agrees after replacements and deletions, read through another store over the same database', async () => {
      const writer = context.store();
      // The second store reads the collections before the writes: it must catch up, not just load.
      const second = await context.backend.openSecond();
      await expectSameRankings(second, [0]);
      const replaced = corpus(99, 30);
      for (const [position, document] of replaced.entries()) {
        await both(writer, (target, targetScope, collection) =>
          target.documents.replace(
            targetScope,
            collection(0),
            documentInput(`doc_rank_${position * 7}`, { text: document.text, shelf: document.shelf }),
            20_000 + position,
          ),
        );
      }
      await both(writer, (target, targetScope, collection) =>
        target.documents.delete(
          targetScope,
          collection(0),
          Array.from({ length: 40 }, (_, index) => `doc_rank_${index * 5 + 1}`),
        ),
      );
      await both(writer, (target, targetScope, collection) =>
        target.documents.insertMany(
          targetScope,
          collection(0),
          corpus(5, 20).map((document) =>
            documentInput(`${document.id}_new`, { text: document.text, shelf: document.shelf }),
          ),
          30_000,
        ),
      );
      try {
        await expectSameRankings(second, [0]);
        await expectSameRankings(second, [0, 1], shelf('travel'));
        // PostgreSQL: the second store caught its index up from the change log rather than reading the collection again.
        const indexes = (second as Partial<{ textIndexes: { stats: { loads: number; catchUps: number } } }>)
          .textIndexes;
        if (indexes) expect(indexes.stats).toMatchObject({ loads: 2, catchUps: expect.any(Number) });
        if (indexes) expect(indexes.stats.catchUps).toBeGreaterThan(0);
        // And the writer's own indexes caught up too.
        await expectSameRankings(writer, [0]);
      } finally {
        await second.close();
      }
    }, 60_000);

    it('follows a metadata-only change made through another store in a filtered search (cached filter results)', async () => {
      const writer = context.store();
      const second = await context.backend.openSecond();
      try {
        const collectionId = collections[0].mine;
        const ask = (filter: FilterNode) =>
          second.index.searchText(scope, { collectionIds: [collectionId], text: 'zebra', topK: 5, filter });
        await writer.documents.insertMany(
          scope,
          collectionId,
          [documentInput('doc_zebra', { text: 'a zebra crossing', shelf: 'kitchen' })],
          40_000,
        );
        expect(await ask(shelf('garden'))).toEqual([]);
        expect((await ask(shelf('kitchen'))).map((hit) => hit.document_id)).toEqual(['doc_zebra']);
        // Same text, another shelf: only the metadata changed.
        await writer.documents.replace(
          scope,
          collectionId,
          documentInput('doc_zebra', { text: 'a zebra crossing', shelf: 'garden' }),
          40_001,
        );
        expect((await ask(shelf('garden'))).map((hit) => hit.document_id)).toEqual(['doc_zebra']);
        expect(await ask(shelf('kitchen'))).toEqual([]);
      } finally {
        await second.close();
      }
    });
  });
}
