/**
 * @module cli/demo-command
 * `quarry demo` (and `npm start`): loads the demo video catalogue shipped in
 * data/demo into a `videos` collection, with its saved retrievers.
 * Idempotent: records already stored (same content hash) are skipped.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { ingestFiles, formatSummary } from '../ingest/ingest-files.js';
import { createProgress } from '../ingest/progress-bar.js';
import { localServices } from './local-services.js';
import { documentSink } from './document-sink.js';

const DEMO_DIRECTORY = fileURLToPath(new URL('../../data/demo/', import.meta.url));
export const DEMO_COLLECTION = 'videos';

export async function loadDemo(
  store: Store,
  config: Config,
  orgId: string,
  options: { namespace: string; quiet: boolean },
): Promise<void> {
  const services = localServices(store, config);
  const say = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  const tenant = await services.tenant(orgId, options.namespace, {
    create: true,
    onCreate: (name) => say(`Created namespace '${name}'.`),
  });
  if (!(await store.collections.resolve(tenant, DEMO_COLLECTION))) {
    await services.collections.create(tenant, {
      collection_name: DEMO_COLLECTION,
      description: 'Demo video catalog: titles, descriptions, tags, channels (synthetic, written for Quarry)',
      source: { type: 'bucket' },
      // No input mapping: title, description, tags, channel and category are all indexed.
      feature_extractor: {
        feature_extractor_name: 'text_extractor',
        version: 'v1',
        field_passthrough: [],
        include_all_source_fields: true,
      },
      enabled: true,
      metadata: { demo: true },
    });
    say(`Created collection '${DEMO_COLLECTION}' in namespace '${options.namespace}'.`);
  }
  const summary = await ingestFiles({
    paths: [`${DEMO_DIRECTORY}videos.jsonl`],
    sink: documentSink(services.documents, tenant, DEMO_COLLECTION),
    progress: options.quiet ? undefined : createProgress({ label: 'demo videos' }),
  });
  say(formatSummary(summary));
  const definitions = JSON.parse(readFileSync(`${DEMO_DIRECTORY}retrievers.json`, 'utf8')) as {
    retriever_name: string;
  }[];
  for (const definition of definitions) {
    if (await store.retrievers.resolve(tenant, definition.retriever_name)) continue;
    await services.retrievers.create(tenant, definition as Parameters<typeof services.retrievers.create>[1]);
    say(`Saved retriever '${definition.retriever_name}'.`);
  }
}
