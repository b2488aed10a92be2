/**
 * @module bench/payload-index
 * A filter never asked before (so the filter cache cannot help) on a payload
 * field of a 100k-document SQLite collection, before and after the namespace
 * declares the field in `payload_indexes`: an exact value (~0.02%), a value
 * list, and a numeric window (~1%). Each query asks a new value.
 * Runs alone: `npx tsx bench/payload-index.ts [--quick]`.
 */
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import type { Store } from '../src/store/store.js';
import type { FilterNode } from '../src/store/filter-node.js';
import type { ReportBuilder } from './report.js';
import { elapsedMs, figure, now, percentile } from './statistics.js';

const SECTION = '2 retrieval';
const condition = (field: string, operator: 'eq' | 'in' | 'gte' | 'lt', value: unknown): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive: false,
});

/** `open`: the store to measure (an empty SQLite database in memory unless given; `--postgres=URL` alone measures PostgreSQL). */
export async function runPayloadIndex(
  report: ReportBuilder,
  options: { quick: boolean; open?: () => Promise<Store>; storeName?: string },
): Promise<void> {
  const size = options.quick ? 20_000 : 100_000;
  const store = options.open ? await options.open() : createSqliteStore({ dataDir: ':memory:' });
  try {
    const org = await store.organizations.create('bench');
    const scope = { orgId: org.org_id, namespaceId: 'ns_bench' };
    const namespace = {
      namespace_id: scope.namespaceId,
      namespace_name: 'bench',
      description: null,
      feature_extractors: [],
      payload_indexes: [],
      auto_create_indexes: false,
      created_at: 1,
      updated_at: 1,
    };
    await store.namespaces.create({ orgId: org.org_id }, namespace);
    await store.collections.create(scope, {
      collection_id: 'col_bench',
      namespace_id: scope.namespaceId,
      collection_name: 'bench',
      description: null,
      config: {},
      embedding_model: 'none',
      embedding_dimensions: 4,
      text_field: 'text',
      enabled: true,
      metadata: null,
      created_at: 1,
      updated_at: 1,
    });
    for (let start = 0; start < size; start += 5_000) {
      const batch = Array.from({ length: Math.min(5_000, size - start) }, (_, offset) => {
        const index = start + offset;
        return {
          document_id: `doc_${index}`,
          data: { text: `document ${index}`, sku: `SKU-${index % 5_000}`, views: (index * 7_919) % 1_000_000 },
          content: `document ${index}`,
          content_hash: `h${index}`,
          vector: null,
        };
      });
      await store.documents.insertMany(scope, 'col_bench', batch, 1);
    }
    let fresh = 0;
    const queries: [string, () => FilterNode][] = [
      ['sku = a new value', () => condition('sku', 'eq', `sku-${fresh++ % 5_000}`)],
      [
        'sku in 3 new values',
        () => condition('sku', 'in', [`SKU-${fresh++ % 5_000}`, `SKU-${fresh++ % 5_000}`, `SKU-${fresh++ % 5_000}`]),
      ],
      [
        'views in a new 1% window',
        () => {
          const low = (fresh++ * 9_973) % 990_000;
          return { kind: 'and', children: [condition('views', 'gte', low), condition('views', 'lt', low + 10_000)] };
        },
      ],
    ];
    const measure = async (make: () => FilterNode, count: number) => {
      const samples: number[] = [];
      for (let run = 0; run < count; run++) {
        const started = now();
        await store.index.scan(scope, { collectionIds: ['col_bench'], topK: 10, filter: make() });
        samples.push(elapsedMs(started));
      }
      return samples;
    };
    const label = `${options.storeName ?? 'SQLite'} ${size / 1000}k docs`;
    const before = new Map<string, number[]>();
    for (const [name, make] of queries) before.set(name, await measure(make, options.quick ? 5 : 15));
    const building = now();
    await store.namespaces.update(
      { orgId: org.org_id },
      scope.namespaceId,
      {
        payload_indexes: [
          { field_name: 'sku', type: 'keyword' },
          { field_name: 'views', type: 'integer' },
        ],
      },
      2,
    );
    const declared = elapsedMs(building);
    // Built in the background after the declaration answered: the figure is until both are ready.
    await (store as { payloadIndexBuilds?: { settled(): Promise<void> } | null }).payloadIndexBuilds?.settled();
    report.add({
      section: SECTION,
      metric: `${label}: declaring 2 payload indexes (the request)`,
      value: figure([declared]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: `${label}: building them (background, until ready)`,
      value: figure([elapsedMs(building)]),
      unit: 'ms',
    });
    for (const [name, make] of queries) {
      const after = await measure(make, options.quick ? 20 : 60);
      report.add({
        section: SECTION,
        metric: `${label}: never-asked filter, ${name}, no payload index p50`,
        value: figure([percentile(before.get(name)!, 0.5)]),
        unit: 'ms',
      });
      report.add({
        section: SECTION,
        metric: `${label}: never-asked filter, ${name}, payload index p50`,
        value: figure([percentile(after, 0.5)]),
        unit: 'ms',
        target: '< 15 ms',
        met: percentile(after, 0.5) < 15,
      });
    }
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { createReport, renderTable } = await import('./report.js');
  const report = createReport(process.argv.includes('--quick') ? 'quick' : 'full');
  const url = process.argv.find((argument) => argument.startsWith('--postgres='))?.slice('--postgres='.length);
  const { createPostgresStore } = await import('../src/store/postgres/create-postgres-store.js');
  const open = url ? () => createPostgresStore({ url, vectorExtension: 'off' }) : undefined;
  await runPayloadIndex(report, {
    quick: process.argv.includes('--quick'),
    open,
    storeName: url ? 'PostgreSQL' : undefined,
  });
  process.stdout.write(renderTable(report.finish()) + '\n');
}
