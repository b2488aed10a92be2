/**
 * `quarry export` / `quarry import`: a namespace moved from SQLite to the
 * PostgreSQL store (PGlite with pgvector) arrives whole — collections,
 * documents with vectors, retrievers, sessions and messages — and is
 * searchable there; and the CLI commands work end to end on SQLite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import { createPostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { exportNamespace, importNamespace } from '../src/cli/transfer-command.js';
import { collectionRecord, documentInput, sessionRecord, unit } from './store-conformance/conformance-fixtures.js';
import { sqliteMigrations } from '../src/store/sqlite/migrations.js';

const directory = mkdtempSync(join(tmpdir(), 'quarry-transfer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('export and import of a namespace', () => {
  it('moves a namespace from SQLite to PostgreSQL (PGlite) with its documents, vectors, retrievers, sessions and messages', async () => {
    const source = createSqliteStore({ dataDir: join(directory, 'source') });
    const organization = await source.organizations.create('source');
    await source.namespaces.create(
      { orgId: organization.org_id },
      {
        namespace_id: 'ns_moved',
        namespace_name: 'catalog',
        description: 'to move',
        feature_extractors: [{ feature_extractor_name: 'text_extractor' }],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 10,
        updated_at: 10,
      },
    );
    const scope = { orgId: organization.org_id, namespaceId: 'ns_moved' };
    const collection = collectionRecord(scope, 'recipes');
    await source.collections.create(scope, collection);
    for (let index = 0; index < 30; index++) {
      await source.documents.insertMany(
        scope,
        collection.collection_id,
        [
          documentInput(
            `doc_move_${index}`,
            { text: `recipe number ${index} with ${index % 2 ? 'apples' : 'pears'}`, rank: index },
            [1, index / 10, 0],
          ),
        ],
        1_000 + index,
      );
    }
    // One document edited later: its updated_at differs from its created_at and must survive the move.
    await source.documents.replace(
      scope,
      collection.collection_id,
      documentInput('doc_move_3', { text: 'recipe number 3 with apples, revised', rank: 3 }, [1, 0.3, 0]),
      5_000,
    );
    await source.retrievers.create(scope, {
      retriever_id: 'ret_moved',
      namespace_id: 'ns_moved',
      retriever_name: 'search',
      description: null,
      config: { stages: [{ stage_name: 'feature_search' }] },
      version: 3,
      created_at: 5,
      updated_at: 6,
    });
    const mcpServer = {
      server_id: 'mcp_moved',
      namespace_id: 'ns_moved',
      server_name: 'weather',
      description: null,
      transport: 'http' as const,
      url: 'https://weather.example/mcp',
      headers: { Authorization: 'Bearer w' },
      command: null,
      args: [],
      env: {},
      timeout_ms: 5000,
      created_at: 7,
      updated_at: 8,
    };
    await source.mcpServers.create(scope, mcpServer);
    const session = sessionRecord(scope, { session_name: 'moved chat', metadata: { team: 'a' } });
    await source.sessions.create(scope, session);
    for (const [index, role] of (['user', 'assistant', 'user'] as const).entries()) {
      await source.messages.append(scope, {
        message_id: `msg_move_${index}`,
        session_id: session.session_id,
        role,
        content: `message ${index}`,
        content_type: 'text',
        citations: role === 'assistant' ? { documents: ['doc_move_1'] } : null,
        created_at: 100 + index,
      });
    }
    const lines: string[] = [];
    const exported = await exportNamespace(source, organization.org_id, 'catalog', (line) => void lines.push(line));
    expect(exported).toMatchObject({ namespace: 1, collection: 1, document: 30, retriever: 1, session: 1, message: 3 });

    const pglite = await PGlite.create({ extensions: { vector } });
    const target = await createPostgresStore({ pglite });
    const targetOrganization = await target.organizations.create('target');
    const imported = await importNamespace(target, targetOrganization.org_id, lines);
    expect(imported).toMatchObject({ document: 30, message: 3 });
    const moved = { orgId: targetOrganization.org_id, namespaceId: 'ns_moved' };

    expect(await target.namespaces.resolve({ orgId: targetOrganization.org_id }, 'catalog')).toMatchObject({
      namespace_id: 'ns_moved',
      description: 'to move',
    });
    const listed = async (store: typeof source | typeof target, tenant: typeof scope) =>
      (
        await store.documents.list(tenant, collection.collection_id, {
          filter: null,
          limit: 100,
          offset: 0,
          includeTotal: true,
        })
      ).items.map(({ document_id, data, content, created_at, updated_at }) => ({
        document_id,
        data,
        content,
        created_at,
        updated_at,
      }));
    expect(await listed(target, moved)).toEqual(await listed(source, scope));
    const ids = Array.from({ length: 30 }, (_, index) => `doc_move_${index}`);
    const sourceVectors = await source.index.loadVectors(scope, ids);
    const targetVectors = await target.index.loadVectors(moved, ids);
    for (const id of ids) expect(Array.from(targetVectors.get(id)!)).toEqual(Array.from(sourceVectors.get(id)!));
    expect(
      (
        await target.index.searchVector(moved, {
          collectionIds: [collection.collection_id],
          vector: unit([1, 2.9, 0]),
          topK: 1,
        })
      )[0].document_id,
    ).toBe('doc_move_29');
    expect(
      (await target.index.searchText(moved, { collectionIds: [collection.collection_id], text: 'apples', topK: 100 }))
        .length,
    ).toBe(15);
    expect(await target.mcpServers.resolve(moved, 'weather')).toEqual(mcpServer);
    expect(await target.retrievers.resolve(moved, 'search')).toMatchObject({
      retriever_id: 'ret_moved',
      version: 3,
      config: { stages: [{ stage_name: 'feature_search' }] },
    });
    expect(await target.sessions.get(moved, session.session_id)).toMatchObject({
      session_name: 'moved chat',
      metadata: { team: 'a' },
      created_at: session.created_at,
    });
    const history = await target.messages.history(moved, session.session_id, 10, 0);
    expect(
      history.messages.map(({ message_id, role, content, citations }) => ({ message_id, role, content, citations })),
    ).toEqual(
      (await source.messages.history(scope, session.session_id, 10, 0)).messages.map(
        ({ message_id, role, content, citations }) => ({ message_id, role, content, citations }),
      ),
    );
    await expect(importNamespace(target, targetOrganization.org_id, lines)).rejects.toMatchObject({
      kind: 'conflict',
      resource: 'namespace',
    });
    await source.close();
    await target.close();
    await pglite.close();
  });

  it('imports a copy under a new name into the store it came from: new ids, references rewritten, the original untouched', async () => {
    const store = createSqliteStore({ dataDir: ':memory:' });
    const organization = await store.organizations.create('copy');
    await store.namespaces.create(
      { orgId: organization.org_id },
      {
        namespace_id: 'ns_original',
        namespace_name: 'original',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    const scope = { orgId: organization.org_id, namespaceId: 'ns_original' };
    const collection = collectionRecord(scope, 'books');
    await store.collections.create(scope, collection);
    await store.documents.insertMany(
      scope,
      collection.collection_id,
      [documentInput('doc_original_1', { text: 'a book about pears' }, [1, 0, 0])],
      10,
    );
    await store.retrievers.create(scope, {
      retriever_id: 'ret_original',
      namespace_id: 'ns_original',
      retriever_name: 'find',
      description: null,
      config: { collection_ids: [collection.collection_id], stages: [] },
      version: 1,
      created_at: 5,
      updated_at: 5,
    });
    const session = sessionRecord(scope, { session_name: 'chat' });
    await store.sessions.create(scope, session);
    await store.messages.append(scope, {
      message_id: 'msg_original_q',
      session_id: session.session_id,
      run_id: 'msg_original_a',
      role: 'user',
      content: 'pears?',
      content_type: 'text',
      created_at: 20,
    });
    await store.messages.append(scope, {
      message_id: 'msg_original_a',
      session_id: session.session_id,
      run_id: 'msg_original_a',
      role: 'assistant',
      content: 'doc_original_1',
      content_type: 'text',
      citations: { documents: ['doc_original_1'] },
      created_at: 21,
    });
    const lines: string[] = [];
    await exportNamespace(store, organization.org_id, 'original', (line) => void lines.push(line));

    expect(await importNamespace(store, organization.org_id, lines, 'copy')).toMatchObject({
      namespace: 1,
      collection: 1,
      document: 1,
      retriever: 1,
      session: 1,
      message: 2,
    });
    const copy = (await store.namespaces.resolve({ orgId: organization.org_id }, 'copy'))!;
    expect(copy.namespace_id).not.toBe('ns_original');
    const copied = { orgId: organization.org_id, namespaceId: copy.namespace_id };
    const books = (await store.collections.resolve(copied, 'books'))!;
    expect(books.collection_id).not.toBe(collection.collection_id);
    const documents = (
      await store.documents.list(copied, books.collection_id, {
        filter: null,
        limit: 10,
        offset: 0,
        includeTotal: true,
      })
    ).items;
    expect(documents.map((document) => document.data.text)).toEqual(['a book about pears']);
    expect(documents[0].document_id).toMatch(/^doc_[0-9a-f]{24}$/);
    expect((await store.retrievers.resolve(copied, 'find'))!.config.collection_ids).toEqual([books.collection_id]);
    const [copiedSession] = (
      await store.sessions.list(copied, {
        now: Date.now(),
        idleAfterMs: 0,
        sort: { field: 'created_at', direction: 'asc' },
        limit: 10,
        offset: 0,
        includeTotal: false,
      })
    ).items;
    expect(copiedSession.session_id).not.toBe(session.session_id);
    const history = (await store.messages.history(copied, copiedSession.session_id, 10, 0)).messages;
    expect(history.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(history[0].run_id).toBe(history[1].message_id);
    expect(history[1].citations).toEqual({ documents: [documents[0].document_id] });
    expect(
      (
        await store.documents.list(scope, collection.collection_id, {
          filter: null,
          limit: 10,
          offset: 0,
          includeTotal: true,
        })
      ).items.map((document) => document.document_id),
    ).toEqual(['doc_original_1']);
    await expect(importNamespace(store, organization.org_id, lines, 'copy')).rejects.toThrow(
      "A namespace named 'copy' already exists in this organization",
    );
    await store.close();
  });

  it('imports all or nothing: a broken line leaves no half namespace, so the retry can succeed', async () => {
    const store = createSqliteStore({ dataDir: ':memory:' });
    const organization = await store.organizations.create('retry');
    const namespaceLine = JSON.stringify({
      type: 'namespace',
      record: {
        namespace_id: 'ns_retry',
        org_id: 'org_x',
        namespace_name: 'retry',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    });
    await expect(importNamespace(store, organization.org_id, [namespaceLine, '{not json'])).rejects.toThrow();
    expect(await store.namespaces.resolve({ orgId: organization.org_id }, 'retry').catch(() => null)).toBeNull();
    expect(await importNamespace(store, organization.org_id, [namespaceLine])).toMatchObject({ namespace: 1 });
    await store.close();
  });

  it('refuses an import whose ids are not Quarry ids (a collection id cannot walk out of the data directory)', async () => {
    const store = createSqliteStore({ dataDir: ':memory:' });
    const organization = await store.organizations.create('hostile');
    const namespaceLine = JSON.stringify({
      type: 'namespace',
      record: {
        namespace_id: 'ns_hostile',
        org_id: 'org_x',
        namespace_name: 'hostile',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    });
    const collection = collectionRecord({ orgId: organization.org_id, namespaceId: 'ns_hostile' }, 'victim');
    for (const collectionId of ['../../victim', 'col_../x', 'col_a/b', '/etc/passwd']) {
      const line = JSON.stringify({ type: 'collection', record: { ...collection, collection_id: collectionId } });
      await expect(importNamespace(store, organization.org_id, [namespaceLine, line])).rejects.toThrow(
        /not a Quarry id/,
      );
      expect(await store.namespaces.resolve({ orgId: organization.org_id }, 'hostile')).toBeNull();
    }
    const badNamespace = namespaceLine.replace('ns_hostile', '../ns');
    await expect(importNamespace(store, organization.org_id, [badNamespace])).rejects.toThrow(/not a Quarry id/);
    await store.close();
  });

  it('runs `quarry export` and `quarry import` and `quarry migrate status` from the command line', () => {
    const run = (args: string[], dataDir: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args, '--data-dir', dataDir], {
        encoding: 'utf8',
        env: { ...process.env, QUARRY_API_KEY: 'sk_transfer_test_key_0123456789abcdef', QUARRY_DATABASE_URL: '' },
      });
    const from = join(directory, 'cli-from');
    const to = join(directory, 'cli-to');
    const file = join(directory, 'default.jsonl');
    expect(run(['migrate', 'up'], from)).toContain(
      `schema version: ${sqliteMigrations.length} of ${sqliteMigrations.length}`,
    );
    run(['export', file, '--namespace', 'default'], from);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('quarry-namespace-export/1');
    expect(run(['import', file, '--namespace', 'copied'], to)).toMatch(/Imported 1 namespace/);
    expect(run(['import', file, '--namespace', 'copied'], from)).toMatch(/Imported 1 namespace/);
    expect(run(['migrate', 'status'], to)).toContain('pending: none');
    // A mistyped QUARRY_API_KEY on a store that has an organization is an error, never a new empty organization.
    const typo = () =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/main.ts',
          'export',
          join(directory, 'typo.jsonl'),
          '--namespace',
          'default',
          '--data-dir',
          from,
        ],
        {
          encoding: 'utf8',
          stdio: 'pipe',
          env: { ...process.env, QUARRY_API_KEY: 'sk_transfer_test_key_TYPO', QUARRY_DATABASE_URL: '' },
        },
      );
    expect(typo).toThrow(/QUARRY_API_KEY is not an active key/);
    const keys = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'keys', 'list', '--data-dir', from],
      { encoding: 'utf8', env: { ...process.env, QUARRY_API_KEY: '', QUARRY_DATABASE_URL: '' } },
    );
    expect(keys.trim().split('\n')).toHaveLength(2);
  }, 60_000);
});
