/**
 * @module bench/run
 * `npm run bench [-- --quick] [-- --only=1,2]`: runs the sections in order,
 * prints one table, writes bench/results/latest.{json,md}.
 * Full mode must stay under 10 minutes on the 2-core machine, quick under 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { createReport, renderTable, writeResults } from './report.js';
import { startMockLlmServer } from './mock-llm-server.js';
import { prepareDataDirectory, startQuarry } from './quarry-process.js';
import { runMessageOverhead } from './message-overhead.js';
import { runRetrieval } from './retrieval-bench.js';
import { runPayloadIndex } from './payload-index.js';
import { runIdleStreams } from './idle-streams.js';
import { insertPriorMessages, insertSessions, runCostGrowth } from './cost-growth.js';
import { runPeers } from './peers.js';
import { runSoak } from './soak.js';
import { runPostgres } from './postgres-bench.js';
import { runFairness } from './fairness.js';
import { runQuality } from './quality.js';
import { runTracingOverhead } from './tracing-overhead.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  strict: false,
});
const quick = values.quick === true;
const only = typeof values.only === 'string' ? new Set(values.only.split(',')) : null;
const wanted = (section: string) => only === null || only.has(section);

const report = createReport(quick ? 'quick' : 'full');
const workDirectory = mkdtempSync(join(tmpdir(), 'quarry-bench-'));
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<void> {
  const mock = await startMockLlmServer({ tokens: 50 });
  try {
    if (wanted('1') || wanted('4')) {
      const apiKey = generateApiKey();
      const dataDir = join(workDirectory, 'messages');
      log('preparing the message data directory (demo data, prior messages, listed sessions)');
      const prepared = { prior: new Map<number, string[]>(), listNamespaces: new Map<number, string>() };
      await prepareDataDirectory({
        dataDir,
        apiKey,
        demo: true,
        setup: async (store, orgId) => {
          if (!wanted('4')) return;
          prepared.prior = await insertPriorMessages(store, orgId, [10, 100, 1000]);
          prepared.listNamespaces = await insertSessions(store, orgId, quick ? [10_000] : [10_000, 100_000]);
        },
      });
      const scriptedDataDir = join(workDirectory, 'messages-scripted');
      if (wanted('1')) await prepareDataDirectory({ dataDir: scriptedDataDir, apiKey, demo: true });
      const quarry = await startQuarry({ dataDir, apiKey, llmUrl: mock.url });
      try {
        if (wanted('1')) {
          log('section 1: message overhead');
          await runMessageOverhead(quarry, report, { quick, workDirectory, scriptedDataDir });
        }
        if (wanted('4')) {
          log('section 4: cost growth');
          await runCostGrowth(quarry, report, {
            quick,
            prior: prepared.prior,
            listNamespaces: prepared.listNamespaces,
          });
        }
      } finally {
        await quarry.stop();
      }
    }
    if (wanted('2')) {
      log('section 2: retrieval');
      await runRetrieval(report, { quick, workDirectory, log });
      await runPayloadIndex(report, { quick });
    }
    if (wanted('3')) {
      log('section 3: idle streams');
      await runIdleStreams(report, { quick, workDirectory, mock, log });
    }
    if (wanted('6')) {
      log('section 6: soak');
      await runSoak(report, { quick, workDirectory, log });
    }
    if (wanted('5')) {
      log('section 5: peers');
      await runPeers(report, { quick, mock, log });
    }
    if (wanted('7')) {
      log('section 7: postgres');
      await runPostgres(report, { quick, workDirectory, mock, log });
    }
    if (wanted('8')) {
      log('section 8: retrieval quality');
      await runQuality(report, { quick, workDirectory, log });
    }
    if (wanted('9')) {
      log('section 9: fairness');
      await runFairness(report, { quick, workDirectory, mock, log });
    }
    if (wanted('10')) {
      log('section 10: tracing overhead');
      await runTracingOverhead(report, { quick, workDirectory, apiKey: generateApiKey() });
    }
  } finally {
    await mock.close();
  }
  const finished = report.finish();
  const files = writeResults(finished);
  process.stdout.write(`\n${renderTable(finished)}\n\nResults: ${files.json}\n         ${files.markdown}\n`);
}

main()
  .then(() => {
    rmSync(workDirectory, { recursive: true, force: true });
    process.exit(0);
  })
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    rmSync(workDirectory, { recursive: true, force: true });
    process.exit(1);
  });
