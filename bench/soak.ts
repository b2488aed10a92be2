/**
 * @module bench/soak
 * Section 6: a soak test. N clients (1,000; 200 with --quick) each keep one
 * streaming session busy for the whole window (60 s; 15 s with --quick):
 * send a message, read its stream to the end, send the next. The mock model
 * streams slowly (a token every 400 ms, as real models do), so about N
 * streams are open at any moment. Reports errors (non-200 answers, streams
 * that end without `done`, transport failures; target 0), p50/p99 time to
 * the first event, messages completed, and the server's peak memory.
 */
import { join } from 'node:path';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import type { ReportBuilder } from './report.js';
import { startMockLlmServer } from './mock-llm-server.js';
import { createSession, prepareDataDirectory, rssBytes, startQuarry } from './quarry-process.js';
import { streamRequest } from './sse-client.js';
import { figure, percentile, runWorkers } from './statistics.js';

const SECTION = '6 soak';

export async function runSoak(
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; log: (line: string) => void },
): Promise<void> {
  const clients = options.quick ? 200 : 1000;
  const seconds = options.quick ? 15 : 60;
  const mock = await startMockLlmServer({ tokens: 30, tokenDelayMs: 400 });
  const apiKey = generateApiKey();
  const dataDir = join(options.workDirectory, 'soak');
  await prepareDataDirectory({ dataDir, apiKey, demo: true });
  const quarry = await startQuarry({ dataDir, apiKey, llmUrl: mock.url, env: { QUARRY_SHUTDOWN_GRACE_SECONDS: '1' } });
  try {
    const sessions: string[] = new Array<string>(clients);
    await runWorkers(32, async (worker) => {
      for (let index = worker; index < clients; index += 32) sessions[index] = await createSession(quarry);
    });
    const baselineMb = rssBytes(quarry.pid) / 1024 / 1024;
    let peakMb = baselineMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssBytes(quarry.pid) / 1024 / 1024)), 500);
    const firstEvent: number[] = [];
    const failures: string[] = [];
    let completed = 0;
    const deadline = Date.now() + seconds * 1000;
    options.log(`soak: ${clients} streaming sessions for ${seconds} s`);
    await runWorkers(clients, async (worker) => {
      while (Date.now() < deadline) {
        try {
          const timings = await streamRequest({
            url: `${quarry.url}/v1/agents/sessions/${sessions[worker]}/messages`,
            method: 'POST',
            headers: quarry.headers(),
            body: { content: 'Find videos about machine learning' },
          });
          if (timings.status !== 200) failures.push(`HTTP ${timings.status}`);
          else if (timings.terminal !== 'done') failures.push(`ended with ${timings.terminal ?? 'nothing'}`);
          else {
            completed++;
            firstEvent.push(timings.firstEventMs);
          }
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    });
    clearInterval(sampler);
    const distinct = [...new Set(failures)].slice(0, 5).join('; ');
    report.add({
      section: SECTION,
      metric: `${clients.toLocaleString('en-US')} streaming sessions for ${seconds} s: errors`,
      value: figure([failures.length]),
      unit: 'errors',
      target: '= 0',
      met: failures.length === 0,
      digits: 0,
    });
    report.add({
      section: SECTION,
      metric: '  messages completed',
      value: figure([completed]),
      unit: 'messages',
      digits: 0,
    });
    report.add({
      section: SECTION,
      metric: '  time to first event p50',
      value: figure([percentile(firstEvent, 0.5)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: '  time to first event p99',
      value: figure([percentile(firstEvent, 0.99)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: '  server memory: peak RSS',
      value: figure([peakMb]),
      unit: 'MB',
      digits: 0,
    });
    report.add({
      section: SECTION,
      metric: '  server memory: peak growth per open stream',
      value: figure([((peakMb - baselineMb) * 1024) / clients]),
      unit: 'KB',
      digits: 0,
    });
    if (failures.length > 0) report.note(SECTION, `failures (first kinds): ${distinct}`);
    report.note(
      SECTION,
      `the mock model streams 30 tokens, one every 400 ms, after a smart_search tool call over the demo data; each client sends its next message as soon as a stream ends.`,
    );
  } finally {
    await quarry.stop();
    await mock.close();
  }
}
