import { describe, expect, it } from 'vitest';
import type { CollectionRecord, RetrieverRecord } from '../store/data-records.js';
import type { AgentToolServices } from './agent-tools.js';
import { createAgentTools } from './agent-tools.js';
import { createNamespaceSnapshot } from './namespace-snapshot.js';

const collection = (id: string, name: string, description: string | null = null) =>
  ({ collection_id: id, collection_name: name, description }) as CollectionRecord;

function countingSources(collections: CollectionRecord[], retrievers: RetrieverRecord[] = []) {
  const reads = { collections: 0, retrievers: 0 };
  return {
    reads,
    sources: {
      collections: async () => (reads.collections++, [...collections]),
      retrievers: async () => (reads.retrievers++, [...retrievers]),
    },
  };
}

describe('namespace snapshot', () => {
  it('reads each list once, however many parts of the run ask', async () => {
    const { reads, sources } = countingSources([collection('col_1', 'videos')]);
    const snapshot = createNamespaceSnapshot(sources);
    await Promise.all([snapshot.collections(), snapshot.collections(), snapshot.retrievers()]);
    expect(await snapshot.collections()).toHaveLength(1);
    expect(reads).toEqual({ collections: 1, retrievers: 1 });
  });

  it('reads again after invalidate, and after a failed read', async () => {
    const { reads, sources } = countingSources([collection('col_1', 'videos')]);
    let fail = true;
    const snapshot = createNamespaceSnapshot({
      ...sources,
      collections: async () => (fail ? ((fail = false), Promise.reject(new Error('busy'))) : sources.collections()),
    });
    await expect(snapshot.collections()).rejects.toThrow('busy');
    expect(await snapshot.collections()).toHaveLength(1);
    snapshot.invalidate();
    await snapshot.collections();
    expect(reads.collections).toBe(2);
  });
});

describe('agent tools over a run snapshot', () => {
  it('smart_search sees a collection created earlier in the same run', async () => {
    const stored = [collection('col_old', 'recipes', 'cooking videos')];
    const { reads, sources } = countingSources(stored);
    const snapshot = createNamespaceSnapshot({
      ...sources,
      collections: async () => (reads.collections++, [...stored]),
    });
    const searched: string[][] = [];
    const services = {
      collections: {
        create: async (_scope: unknown, input: { collection_name: string; description?: string }) => {
          const created = collection('col_new', input.collection_name, input.description ?? null);
          stored.unshift(created);
          return created;
        },
      },
      retrievers: {
        executeAdhoc: async (_scope: unknown, request: { collection_identifiers: string[] }) => {
          searched.push(request.collection_identifiers);
          return { execution: { execution_id: 'exe_1', duration_ms: 1 }, page: [] };
        },
      },
      executions: [],
      userId: null,
      sessionId: 'ses_1',
      snapshot,
    } as unknown as AgentToolServices;
    const tools = new Map(
      createAgentTools({ orgId: 'org_1', namespaceId: 'ns_1' }, services).map((tool) => [tool.name, tool]),
    );
    const context = { signal: new AbortController().signal, toolCallId: 'call_1', emit: () => {} };

    await tools.get('smart_search')!.execute({ query: 'astronomy lectures', limit: 5 }, context);
    await tools
      .get('create_collection')!
      .execute({ collection_name: 'astronomy', description: 'astronomy lectures' }, context);
    await tools.get('smart_search')!.execute({ query: 'astronomy lectures', limit: 5 }, context);

    expect(searched).toEqual([['col_old'], ['col_new']]);
    expect(reads.collections).toBe(2);
  });
});
