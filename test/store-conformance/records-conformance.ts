/**
 * Conformance: tenancy on every repository, pagination and cursors, unique
 * names, all-or-nothing batches, namespace delete cascade.
 */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './store-conformance.js';
import { collectionRecord, documentInput, runRecord, sessionRecord } from './conformance-fixtures.js';
import { newId } from '../../src/lib/ids.js';

export function recordsConformance(context: ConformanceContext): void {
  describe('records', () => {
    it('keeps every repository inside its tenant', async () => {
      const store = context.store();
      const { one, sibling, other } = context.tenants();
      const session = sessionRecord(one, { user_id: 'u1' });
      await store.sessions.create(one, session);
      const collection = collectionRecord(one, 'private');
      await store.collections.create(one, collection);
      await store.documents.insertMany(
        one,
        collection.collection_id,
        [documentInput('doc_private', { text: 'secret' })],
        5,
      );
      await store.retrievers.create(one, {
        retriever_id: newId('ret'),
        namespace_id: one.namespaceId,
        retriever_name: 'r',
        description: null,
        config: {},
        version: 1,
        created_at: 1,
        updated_at: 1,
      });
      const message = await store.messages.append(one, {
        message_id: newId('msg'),
        session_id: session.session_id,
        role: 'user',
        content: 'hi',
        content_type: 'text',
        created_at: 2,
      });
      const run = runRecord(session.session_id);
      expect(await store.runs.start(one, run)).toEqual({ started: true });
      await store.executions.create(one, {
        execution_id: 'exe_1',
        retriever_id: null,
        status: 'completed',
        inputs: {},
        inputs_hash: 'h',
        collection_ids: [],
        detail: {},
        duration_ms: 1,
        total_processed: 0,
        total_returned: 0,
        stages_completed: 1,
        total_stages: 1,
        created_at: 3,
        completed_at: 3,
      });
      await store.confirmations.create(one, {
        confirmation_id: 'cnf_1',
        run_id: run.run_id,
        session_id: session.session_id,
        tool_name: 't',
        tool_call_id: 'c',
        inputs: { a: [1] },
        status: 'pending',
        expires_at: 9e12,
        created_at: 1,
        answered_at: null,
      });
      await store.memories.upsert(one, {
        memory_id: 'mem_1',
        user_id: 'u1',
        session_id: session.session_id,
        message_id: message.message_id,
        user_message: 'q',
        assistant_message: 'a',
        created_at: 4,
      });

      for (const stranger of [sibling, other]) {
        expect(await store.sessions.get(stranger, session.session_id)).toBeNull();
        expect(await store.collections.resolve(stranger, 'private')).toBeNull();
        expect(await store.documents.get(stranger, collection.collection_id, 'doc_private')).toBeNull();
        expect(await store.retrievers.resolve(stranger, 'r')).toBeNull();
        expect(await store.messages.get(stranger, message.message_id)).toBeNull();
        expect((await store.messages.history(stranger, session.session_id, 10, 0)).total).toBe(0);
        expect(await store.runs.get(stranger, run.run_id)).toBeNull();
        expect(await store.runs.active(stranger, session.session_id)).toBeNull();
        expect(await store.executions.get(stranger, 'exe_1')).toBeNull();
        expect(await store.confirmations.get(stranger, 'cnf_1')).toBeNull();
        expect(await store.confirmations.answer(stranger, 'cnf_1', 'approved', 5)).toBe(false);
        expect(await store.memories.forUser(stranger, 'u1', 10)).toEqual([]);
        expect(await store.runs.requestCancel(stranger, run.run_id)).toBe(false);
        expect(
          (
            await store.sessions.list(stranger, {
              now: 0,
              idleAfterMs: 1,
              sort: { field: 'created_at', direction: 'asc' },
              limit: 10,
              offset: 0,
              includeTotal: true,
            })
          ).total,
        ).toBe(0);
        expect(await store.documents.idsMatching(stranger, collection.collection_id, null, 10)).toEqual([]);
        expect(await store.namespaces.counts(stranger)).toMatchObject({ collection_count: 0, document_count: 0 });
        await store.sessions.touch(stranger, session.session_id, 99);
        await store.documents.delete(stranger, collection.collection_id, ['doc_private']);
        await expect(store.collections.delete(stranger, collection.collection_id)).rejects.toMatchObject({
          kind: 'not_found',
          resource: 'collection',
          id: collection.collection_id,
        });
      }
      expect(await store.namespaces.resolve({ orgId: other.orgId }, one.namespaceId)).toBeNull();
      expect(await store.sessions.get(one, session.session_id)).toMatchObject({
        last_activity_at: session.last_activity_at,
        user_id: 'u1',
      });
      expect(await store.documents.get(one, collection.collection_id, 'doc_private')).toMatchObject({
        data: { text: 'secret' },
        created_at: 5,
      });
      expect(await store.confirmations.get(one, 'cnf_1')).toMatchObject({ inputs: { a: [1] }, status: 'pending' });
      expect(await store.memories.forUser(one, 'u1', 10)).toMatchObject([{ memory_id: 'mem_1' }]);
      await store.runs.setStatus(one, run.run_id, 'completed', { endedAt: 6 });
    });

    it('pages with offsets and keyset cursors without gaps or repeats', async () => {
      const store = context.store();
      const { sibling } = context.tenants();
      for (let index = 0; index < 7; index++) {
        await store.collections.create(
          sibling,
          collectionRecord(sibling, `c${index}`, { created_at: 1000 + (index % 3), updated_at: 1000 }),
        );
        await store.sessions.create(
          sibling,
          sessionRecord(sibling, {
            created_at: 5000 + (index % 2),
            session_name: `s${index % 4}`,
            message_count: index,
          }),
        );
      }
      const walk = async <T>(
        page: (cursor?: { value: string | number | null; id: string }) => Promise<{
          items: T[];
          nextCursor: { value: string | number | null; id: string } | null;
          total: number | null;
        }>,
      ) => {
        const seen: T[] = [];
        let cursor: { value: string | number | null; id: string } | undefined;
        for (let guard = 0; guard < 20; guard++) {
          const result = await page(cursor);
          seen.push(...result.items);
          if (!result.nextCursor) return seen;
          cursor = result.nextCursor;
        }
        throw new Error('pagination did not end');
      };
      for (const direction of ['asc', 'desc'] as const) {
        const collections = await walk((cursor) =>
          store.collections.list(sibling, {
            sort: { field: 'created_at', direction },
            limit: 2,
            offset: 0,
            cursor,
            includeTotal: true,
          }),
        );
        expect(collections.map((item) => item.collection_name).sort()).toEqual([
          'c0',
          'c1',
          'c2',
          'c3',
          'c4',
          'c5',
          'c6',
        ]);
        const times = collections.map((item) => item.created_at);
        expect(times).toEqual([...times].sort((a, b) => (direction === 'asc' ? a - b : b - a)));
        for (const field of ['created_at', 'session_name', 'message_count'] as const) {
          const sessions = await walk((cursor) =>
            store.sessions.list(sibling, {
              now: 0,
              idleAfterMs: 1,
              sort: { field, direction },
              limit: 3,
              offset: 0,
              cursor,
              includeTotal: false,
            }),
          );
          expect(new Set(sessions.map((item) => item.session_id)).size).toBe(7);
        }
      }
      const offsetPage = await store.collections.list(sibling, {
        sort: { field: 'collection_name', direction: 'asc' },
        limit: 3,
        offset: 2,
        includeTotal: true,
      });
      expect(offsetPage).toMatchObject({ total: 7, hasMore: true });
      expect(offsetPage.items.map((item) => item.collection_name)).toEqual(['c2', 'c3', 'c4']);
      // The search also reads ids (random letters and digits), so the needle holds a character ids never have.
      await store.collections.create(sibling, collectionRecord(sibling, 'Search-Me', { description: 'x' }));
      const searched = await store.collections.list(sibling, {
        search: 'search-ME',
        limit: 10,
        offset: 0,
        includeTotal: true,
      });
      expect(searched.items.map((item) => item.collection_name)).toEqual(['Search-Me']);
      expect(
        (
          await store.collections.list(sibling, {
            search: 'Search-Me',
            caseSensitive: true,
            limit: 10,
            offset: 0,
            includeTotal: true,
          })
        ).total,
      ).toBe(1);
      expect(
        (
          await store.collections.list(sibling, {
            search: 'search-me',
            caseSensitive: true,
            limit: 10,
            offset: 0,
            includeTotal: true,
          })
        ).total,
      ).toBe(0);
      expect(
        (await store.collections.list(sibling, { search: '%', limit: 10, offset: 0, includeTotal: true })).total,
      ).toBe(0);
    });

    it('pages documents sorted by a user field, with a filter and a total', async () => {
      const store = context.store();
      const { sibling } = context.tenants();
      const collection = collectionRecord(sibling, 'paged-docs');
      await store.collections.create(sibling, collection);
      await store.documents.insertMany(
        sibling,
        collection.collection_id,
        Array.from({ length: 9 }, (_, index) =>
          documentInput(`doc_page_${index}`, { rank: (index * 7) % 9, keep: index !== 4 }),
        ),
        10,
      );
      const seen: number[] = [];
      let cursor: { value: string | number | null; id: string } | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const page = await store.documents.list(sibling, collection.collection_id, {
          filter: { kind: 'condition', field: 'keep', operator: 'eq', value: true, caseSensitive: false },
          sort: { field: 'rank', direction: 'desc' },
          limit: 3,
          offset: 0,
          cursor,
          includeTotal: true,
        });
        expect(page.total).toBe(8);
        seen.push(...page.items.map((item) => item.data.rank as number));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([8, 7, 6, 5, 4, 3, 2, 0]);
    });

    it('refuses duplicate names with UniqueViolationError (409 AlreadyExistsError over HTTP), and stores a batch whole or not at all', async () => {
      const store = context.store();
      const { one, sibling } = context.tenants();
      const duplicate = {
        namespace_id: newId('ns'),
        namespace_name: 'one',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      };
      await expect(store.namespaces.create({ orgId: one.orgId }, duplicate)).rejects.toMatchObject({
        kind: 'conflict',
        resource: 'namespace',
        takenName: 'one',
      });
      await store.collections.create(one, collectionRecord(one, 'taken'));
      await expect(store.collections.create(one, collectionRecord(one, 'taken'))).rejects.toMatchObject({
        kind: 'conflict',
        resource: 'collection',
        takenName: 'taken',
      });
      await store.collections.create(sibling, collectionRecord(sibling, 'taken'));
      const renamed = collectionRecord(one, 'free');
      await store.collections.create(one, renamed);
      await expect(
        store.collections.update(one, renamed.collection_id, { collection_name: 'taken' }, 2),
      ).rejects.toMatchObject({ kind: 'conflict', resource: 'collection', takenName: 'taken' });
      const retriever = {
        retriever_id: newId('ret'),
        namespace_id: one.namespaceId,
        retriever_name: 'dup',
        description: null,
        config: { stages: [] },
        version: 1,
        created_at: 1,
        updated_at: 1,
      };
      await store.retrievers.create(one, retriever);
      await expect(store.retrievers.create(one, { ...retriever, retriever_id: newId('ret') })).rejects.toMatchObject({
        kind: 'conflict',
        resource: 'retriever',
        takenName: 'dup',
      });
      expect(await store.retrievers.update(one, retriever.retriever_id, { description: 'v2' }, 3)).toMatchObject({
        version: 2,
        description: 'v2',
      });

      await expect(
        store.documents.insertMany(
          one,
          renamed.collection_id,
          [documentInput('doc_batch_1', { text: 'a' }), documentInput('doc_batch_1', { text: 'b' })],
          1,
        ),
      ).rejects.toThrow();
      expect(await store.documents.get(one, renamed.collection_id, 'doc_batch_1')).toBeNull();
      expect((await store.collections.documentCounts(one, [renamed.collection_id])).get(renamed.collection_id)).toBe(0);
    });

    it('appends several messages in one call, in order, whole or not at all', async () => {
      const store = context.store();
      const { one } = context.tenants();
      const session = sessionRecord(one);
      await store.sessions.create(one, session);
      const message = (content: string, extra: Record<string, unknown> = {}) => ({
        message_id: newId('msg'),
        session_id: session.session_id,
        role: 'tool' as const,
        content,
        content_type: 'tool_result' as const,
        created_at: 7,
        ...extra,
      });
      const stored = await store.messages.appendMany(one, [
        message('first', { tool_outputs: '{"a":1}', tool_status: 'success' }),
        message('second', { citations: { tool_calls_made: 1 } }),
      ]);
      expect(stored.map((record) => record.content)).toEqual(['first', 'second']);
      expect(stored[1].seq).toBeGreaterThan(stored[0].seq);
      expect(stored[1].citations).toEqual({ tool_calls_made: 1 });
      expect((await store.messages.history(one, session.session_id, 10, 0)).messages).toMatchObject([
        { content: 'first', tool_outputs: '{"a":1}', tool_status: 'success', status: 'complete' },
        { content: 'second', citations: { tool_calls_made: 1 } },
      ]);
      const taken = stored[0].message_id;
      await expect(
        store.messages.appendMany(one, [message('lost'), message('duplicate', { message_id: taken })]),
      ).rejects.toThrow();
      expect((await store.messages.history(one, session.session_id, 10, 0)).total).toBe(2);
      expect(await store.messages.appendMany(one, [])).toEqual([]);
      await store.messages.appendMany(one, [
        message('question', { role: 'user', content_type: 'text' }),
        message('tool row'),
        message('answer', { role: 'assistant', content_type: 'text' }),
      ]);
      // The model's context reads questions and answers only, never the (large) tool rows.
      expect((await store.messages.recent(one, session.session_id, 10)).map((record) => record.content)).toEqual([
        'question',
        'answer',
      ]);
      expect((await store.messages.recent(one, session.session_id, 1)).map((record) => record.content)).toEqual([
        'answer',
      ]);
    });

    it('deletes a namespace with everything in it, and says what it removed', async () => {
      const store = context.store();
      const { one } = context.tenants();
      const orgScope = { orgId: one.orgId };
      const namespaceId = newId('ns');
      await store.namespaces.create(orgScope, {
        namespace_id: namespaceId,
        namespace_name: 'doomed',
        description: 'x',
        feature_extractors: [],
        payload_indexes: [{ field: 'a' }],
        auto_create_indexes: true,
        created_at: 1,
        updated_at: 1,
      });
      const scope = { orgId: one.orgId, namespaceId };
      const session = sessionRecord(scope);
      await store.sessions.create(scope, session);
      await store.messages.append(scope, {
        message_id: newId('msg'),
        session_id: session.session_id,
        role: 'user',
        content: 'x',
        content_type: 'text',
        created_at: 1,
      });
      const run = runRecord(session.session_id);
      await store.runs.start(scope, run);
      await store.runs.appendEvent(run.run_id, { seq: 1, type: 'token', data: '{}', created_at: 1 });
      const collection = collectionRecord(scope, 'doomed-docs');
      await store.collections.create(scope, collection);
      await store.documents.insertMany(
        scope,
        collection.collection_id,
        [documentInput('doc_doomed_1', { text: 'gone' }, [1, 0, 0]), documentInput('doc_doomed_2', { text: 'gone' })],
        1,
      );
      expect(await store.namespaces.delete(orgScope, namespaceId)).toMatchObject({
        sessions: 1,
        collections: 1,
        documents: 2,
      });
      expect(await store.namespaces.resolve(orgScope, 'doomed')).toBeNull();
      expect(await store.sessions.get(scope, session.session_id)).toBeNull();
      expect(await store.runs.events(run.run_id, 0)).toEqual([]);
      expect(await store.index.loadDocuments(scope, ['doc_doomed_1'])).toEqual([]);
      await expect(store.namespaces.delete(orgScope, namespaceId)).rejects.toMatchObject({
        kind: 'not_found',
        resource: 'namespace',
        id: namespaceId,
      });
      // The document ids are free again.
      await store.collections.create(one, collectionRecord(one, 'reborn'));
      const reborn = (await store.collections.resolve(one, 'reborn'))!;
      await store.documents.insertMany(one, reborn.collection_id, [documentInput('doc_doomed_1', { text: 'back' })], 2);
    });
  });
}
