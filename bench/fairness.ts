/**
 * @module bench/fairness
 * Section 9: per-tenant fairness. Organization B's key sends a small request
 * every 20 ms (open loop, so a stall counts every request it delays):
 * alternately GET /healthz and a small filtered document list of its own
 * namespace. Its latencies are measured idle, then while organization A's
 * key bulk-creates ~10 MB batches (1,000 documents of ~10 KB) and two
 * workers run uncached filters (a new value each time) over A's collection
 * of 32k documents (8k with --quick). Reports B's p50/p99 in both phases and
 * the ratio loaded/idle of the p99: how long one tenant's heavy work can
 * hold another tenant's request.
 */
import { join } from 'node:path';
import { generateApiKey, hashApiKey, apiKeyPrefix } from '../src/lib/api-key-secret.js';
import { loadConfig } from '../src/config.js';
import { localServices } from '../src/cli/local-services.js';
import { ensureDefaultNamespace } from '../src/sessions/bootstrap.js';
import type { ReportBuilder } from './report.js';
import { prepareDataDirectory, startQuarry } from './quarry-process.js';
import { jsonRequest } from './sse-client.js';
import { figure, percentile } from './statistics.js';
import type { MockLlmServer } from './mock-llm-server.js';

const SECTION = '9 fairness';
const PACE_MS = 20;
const WORDS = [
  'river',
  'mountain',
  'garden',
  'planet',
  'market',
  'signal',
  'harbor',
  'forest',
  'engine',
  'violet',
  'copper',
  'lantern',
];

function text(seed: number, words: number): string {
  let output = '';
  for (let index = 0; index < words; index++)
    output += `${WORDS[(seed * 31 + index * 7) % WORDS.length]}${(seed + index) % 97} `;
  return output;
}

export async function runFairness(
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; mock: MockLlmServer; log: (line: string) => void },
): Promise<void> {
  const documents = options.quick ? 8_000 : 32_000;
  const seconds = options.quick ? 6 : 15;
  const apiKey = generateApiKey();
  const victimKey = generateApiKey();
  const dataDir = join(options.workDirectory, 'fairness');
  options.log(`fairness: preparing ${documents} documents for the heavy tenant`);
  await prepareDataDirectory({
    dataDir,
    apiKey,
    demo: false,
    setup: async (store, orgId) => {
      const services = localServices(store, loadConfig({}, { dataDir, logLevel: 'silent' }));
      const heavy = await services.tenant(orgId, 'default');
      const extractor = {
        feature_extractor_name: 'text_extractor',
        version: 'v1',
        field_passthrough: [],
        include_all_source_fields: false,
      };
      for (const name of ['big', 'ingest'])
        await services.collections.create(heavy, {
          collection_name: name,
          source: { type: 'bucket' },
          feature_extractor: extractor,
          enabled: true,
        });
      for (let start = 0; start < documents; start += 1000) {
        await services.documents.createMany(
          heavy,
          'big',
          Array.from({ length: 1000 }, (_, index) => ({
            title: `doc ${start + index}`,
            text: text(start + index, 40),
            n: start + index,
            tag: WORDS[(start + index) % WORDS.length],
          })),
        );
      }
      const victim = await store.organizations.create('victim');
      await store.apiKeys.create(
        { orgId: victim.org_id },
        {
          name: 'victim',
          keyHash: hashApiKey(victimKey),
          keyPrefix: apiKeyPrefix(victimKey),
          readOnly: false,
          namespaces: null,
        },
      );
      await ensureDefaultNamespace(store, victim.org_id, Date.now());
      const small = await services.tenant(victim.org_id, 'default');
      await services.collections.create(small, {
        collection_name: 'small',
        source: { type: 'bucket' },
        feature_extractor: extractor,
        enabled: true,
      });
      await services.documents.createMany(
        small,
        'small',
        Array.from({ length: 50 }, (_, index) => ({ title: `small ${index}`, text: text(index, 20), n: index })),
      );
    },
  });
  const quarry = await startQuarry({ dataDir, apiKey, llmUrl: options.mock.url });
  const heavyHeaders = quarry.headers();
  const victimHeaders = { authorization: `Bearer ${victimKey}` };
  try {
    const measure = async () => {
      const health: number[] = [];
      const search: number[] = [];
      const pending: Promise<void>[] = [];
      const deadline = Date.now() + seconds * 1000;
      for (let tick = 0; Date.now() < deadline; tick++) {
        const healthTick = tick % 2 === 0;
        pending.push(
          (healthTick
            ? jsonRequest({ url: `${quarry.url}/healthz`, method: 'GET', headers: {} })
            : jsonRequest({
                url: `${quarry.url}/v1/collections/small/documents/list?limit=5`,
                method: 'POST',
                headers: victimHeaders,
                body: { filters: { field: 'n', operator: 'lt', value: 10 } },
              })
          ).then((response) => {
            if (response.status !== 200) throw new Error(`victim request answered ${response.status}`);
            (healthTick ? health : search).push(response.ms);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
      await Promise.all(pending);
      return { health, search, all: [...health, ...search] };
    };

    options.log(`fairness: victim idle for ${seconds} s`);
    const idle = await measure();

    let stop = false;
    let ingested = 0;
    let filtered = 0;
    const failures: string[] = [];
    const body = (batch: number) => ({
      documents: Array.from({ length: 1000 }, (_, index) => ({
        title: `bulk ${batch}-${index}`,
        text: text(batch * 1000 + index, 1100),
        n: index,
      })),
    });
    const payloadBytes = JSON.stringify(body(0)).length;
    const ingest = (async () => {
      for (let batch = 0; !stop; batch++) {
        const response = await jsonRequest({
          url: `${quarry.url}/v1/collections/ingest/documents/bulk-create`,
          method: 'POST',
          headers: heavyHeaders,
          body: body(batch),
        });
        if (response.status !== 200 && response.status !== 201) failures.push(`bulk-create ${response.status}`);
        else ingested++;
      }
    })();
    const filters = [0, 1].map(async (worker) => {
      for (let round = 0; !stop; round++) {
        const value = Math.floor(Math.random() * documents);
        const filter =
          round % 2 === 0
            ? { field: 'n', operator: 'gte', value }
            : {
                AND: [
                  { field: 'tag', operator: 'eq', value: WORDS[round % WORDS.length] },
                  { field: 'n', operator: 'lt', value },
                ],
              };
        const response = await jsonRequest({
          url: `${quarry.url}/v1/collections/big/documents/list?limit=10`,
          method: 'POST',
          headers: heavyHeaders,
          body: { filters: filter },
        });
        if (response.status !== 200) failures.push(`filter ${response.status} (worker ${worker})`);
        else filtered++;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    options.log(
      `fairness: victim while the heavy tenant ingests ~${(payloadBytes / 1e6).toFixed(1)} MB batches and runs uncached filters, ${seconds} s`,
    );
    const loaded = await measure();
    stop = true;
    await Promise.all([ingest, ...filters]);

    const idleP99 = percentile(idle.all, 0.99);
    const loadedP99 = percentile(loaded.all, 0.99);
    report.add({
      section: SECTION,
      metric: "another tenant's request p50, idle",
      value: figure([percentile(idle.all, 0.5)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: "another tenant's request p99, idle",
      value: figure([idleP99]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: "another tenant's request p50, heavy tenant busy",
      value: figure([percentile(loaded.all, 0.5)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: "another tenant's request p99, heavy tenant busy",
      value: figure([loadedP99]),
      unit: 'ms',
      target: '< 100',
      met: loadedP99 < 100,
    });
    report.add({
      section: SECTION,
      metric: '  /healthz p99 busy',
      value: figure([percentile(loaded.health, 0.99)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: '  small filtered list p99 busy',
      value: figure([percentile(loaded.search, 0.99)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: '  p99 ratio busy / idle',
      value: figure([loadedP99 / Math.max(idleP99, 0.001)]),
      unit: '×',
    });
    report.add({
      section: SECTION,
      metric: '  heavy tenant: bulk-creates done / uncached filters done',
      value: figure([ingested]),
      unit: `batches / ${filtered} filters`,
      digits: 0,
    });
    if (failures.length > 0)
      report.note(SECTION, `heavy-tenant failures: ${[...new Set(failures)].slice(0, 5).join('; ')}`);
    report.note(
      SECTION,
      `victim: one request every ${PACE_MS} ms (open loop), alternating /healthz and a 5-row filtered list of its own 50-document collection; heavy tenant: 1,000-document bulk-creates of ${(payloadBytes / 1e6).toFixed(1)} MB in a loop, and 2 workers of uncached filters over ${documents.toLocaleString('en-US')} documents; ${seconds} s per phase.`,
    );
  } finally {
    await quarry.stop();
  }
}
