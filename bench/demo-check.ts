/**
 * @module bench/demo-check
 * Section 8, second check: the demo catalogue through the agent's own
 * `smart_search` tool (the request reduced to search words as the built-in
 * model does), precision@5 on requests with an answer and the share of
 * "nothing fits" requests answered as such. "Before" is the same search as
 * shipped before quality weighting and the floor: equal-weight RRF, every
 * document shown.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import type { SqliteDocumentIndex } from '../src/store/sqlite/sqlite-document-index.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { localServices } from '../src/cli/local-services.js';
import { loadDemo, DEMO_COLLECTION } from '../src/cli/demo-command.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { createAgentTools, type AgentToolServices } from '../src/sessions/agent-tools.js';
import { searchQuery } from '../src/models/plan-local-tool.js';
import { generateDemoVideos } from '../scripts/generate-demo-data.js';
import type { ReportBuilder } from './report.js';
import { DEMO_QUERIES, isExpected } from './demo-queries.js';

type Shown = { title?: string };

export async function runDemoCheck(
  report: ReportBuilder,
  options: { workDirectory: string; section: string },
): Promise<void> {
  const config = loadConfig({}, { dataDir: join(options.workDirectory, 'quality-demo'), logLevel: 'silent' });
  const store = createSqliteStore({ dataDir: config.dataDir });
  try {
    const { orgId } = await bootstrap(store, { apiKey: generateApiKey(), now: Date.now });
    await loadDemo(store, config, orgId, { namespace: 'default', quiet: true });
    const services = localServices(store, config);
    const tenant = await services.tenant(orgId, 'default');
    const demo = await store.collections.resolve(tenant, DEMO_COLLECTION);
    await (store.index as SqliteDocumentIndex).warm(tenant, [demo!.collection_id]);
    const toolServices = {
      ...services,
      namespaces: null,
      feedback: null,
      executions: [],
      userId: null,
    } as unknown as AgentToolServices;
    const smartSearch = createAgentTools(tenant, toolServices).find((tool) => tool.name === 'smart_search')!;
    const context = { signal: new AbortController().signal, toolCallId: 'bench', emit: () => {} };
    // Titles are unique in the catalogue (the generator guarantees it): the key back to topic, subject and level.
    const byTitle = new Map(generateDemoVideos().map((video) => [video.title, video]));
    const equalWeights = {
      stage_name: 'search',
      stage_type: 'filter',
      config: {
        stage_id: 'feature_search',
        parameters: {
          searches: [
            {
              feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
              query: { input_mode: 'text', value: '{{INPUT.query}}' },
              top_k: 100,
              min_score: 0.2,
              weight: 1,
            },
            {
              feature_uri: 'mixpeek://text_extractor@v1/text',
              query: { input_mode: 'text', value: '{{INPUT.query}}' },
              top_k: 100,
              weight: 1,
            },
          ],
          fusion: 'rrf',
          final_top_k: 5,
        },
      },
    };
    const tally = { before: { precision: 0, nothing: 0 }, after: { precision: 0, nothing: 0 } };
    const answerable = DEMO_QUERIES.filter((query) => query.subject !== null).length;
    const unanswerable = DEMO_QUERIES.length - answerable;
    for (const query of DEMO_QUERIES) {
      const words = searchQuery(query.request);
      const outcome = await smartSearch.execute({ query: words, limit: 5 }, context);
      const after = (outcome.output as { results: Shown[] }).results ?? [];
      const adhoc = await services.retrievers.executeAdhoc(tenant, {
        collection_identifiers: [DEMO_COLLECTION],
        stages: [equalWeights],
        inputs: { query: words },
        pagination: { method: 'offset', page_size: 5 },
      });
      const before = adhoc.page as Shown[];
      const relevantIn = (shown: Shown[]) =>
        shown.slice(0, 5).filter((document) => {
          const video = byTitle.get(String(document.title));
          return video !== undefined && isExpected(query, video);
        }).length;
      if (query.subject === null) {
        if (before.length === 0) tally.before.nothing++;
        if (after.length === 0) tally.after.nothing++;
      } else {
        tally.before.precision += relevantIn(before) / 5;
        tally.after.precision += relevantIn(after) / 5;
      }
    }
    const add = (metric: string, value: number, unit: string, target?: string, met?: boolean) =>
      report.add({
        section: options.section,
        metric: `demo catalogue: ${metric}`,
        value: { median: value, min: value, max: value, runs: 1 },
        unit,
        digits: unit === '%' ? 0 : 3,
        ...(target && { target, met }),
      });
    add(`precision@5, ${answerable} requests with answers, before`, tally.before.precision / answerable, '');
    add(
      `precision@5, ${answerable} requests with answers, smart_search`,
      tally.after.precision / answerable,
      '',
      `≥ before`,
      tally.after.precision >= tally.before.precision,
    );
    add(
      `"nothing fits" answered as such, ${unanswerable} requests, before`,
      (100 * tally.before.nothing) / unanswerable,
      '%',
    );
    const nothingRate = (100 * tally.after.nothing) / unanswerable;
    add(
      `"nothing fits" answered as such, ${unanswerable} requests, smart_search`,
      nothingRate,
      '%',
      '≥ 90%',
      nothingRate >= 90,
    );
  } finally {
    await store.close();
  }
}
