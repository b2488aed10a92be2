/**
 * @module cli/ingest-command
 * `quarry ingest <collection> <files or dirs…>`: JSONL, JSON, CSV, Markdown,
 * text and PDF into a collection (created when missing), with progress,
 * resumable by content hash, bad rows reported with file and line.
 */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { bootstrap } from '../sessions/bootstrap.js';
import { ingestFiles, formatSummary } from '../ingest/ingest-files.js';
import { createProgress } from '../ingest/progress-bar.js';
import { localServices } from './local-services.js';
import { documentSink } from './document-sink.js';

export async function ingestCommand(
  store: Store,
  config: Config,
  options: { collection?: string; paths: string[]; namespace: string },
): Promise<number> {
  if (!options.collection || options.paths.length === 0) {
    process.stderr.write('Usage: quarry ingest <collection> <files or directories…> [--namespace NS]\n');
    return 2;
  }
  const { orgId } = await bootstrap(store, { apiKey: config.apiKey, now: Date.now });
  const services = localServices(store, config);
  const tenant = await services.tenant(orgId, options.namespace, {
    create: true,
    onCreate: (name) => process.stderr.write(`Created namespace '${name}'.\n`),
  });
  if (!(await store.collections.resolve(tenant, options.collection))) {
    await services.collections.create(tenant, {
      collection_name: options.collection,
      source: { type: 'bucket' },
      feature_extractor: {
        feature_extractor_name: 'text_extractor',
        version: 'v1',
        field_passthrough: [],
        include_all_source_fields: true,
      },
      enabled: true,
    });
    process.stderr.write(`Created collection '${options.collection}' (text_extractor v1, every text field indexed).\n`);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const summary = await ingestFiles({
    paths: options.paths,
    sink: documentSink(services.documents, tenant, options.collection),
    progress: createProgress({ label: `ingest ${options.collection}` }),
    signal: controller.signal,
  });
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (summary.aborted) return 130;
  return summary.invalidCount > 0 ? 1 : 0;
}
