/**
 * @module bench/idle-streams
 * Section 3: what an open, idle SSE stream costs one Quarry process. Each
 * of N sessions gets a run whose (mock) model never answers, started by a
 * POST that the client leaves after the first event (the run goes on).
 * RSS is read with the runs held and no stream open, then again with a
 * `GET /v1/agents/sessions/{id}/stream` joined to every run; the difference
 * divided by N is the cost of one stream. CPU over an idle window that
 * spans a heartbeat shows what holding them costs.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import type { ReportBuilder } from './report.js';
import { HOLD_MARKER, type MockLlmServer } from './mock-llm-server.js';
import {
  cpuTimeMs,
  createSession,
  prepareDataDirectory,
  rssBytes,
  startQuarry,
  type QuarryProcess,
} from './quarry-process.js';
import { holdStream } from './sse-client.js';
import { figure, runWorkers } from './statistics.js';

const SECTION = '3 streams';
const HEARTBEAT_SECONDS = 15;

/** Sends a message and leaves as soon as its first event arrives: the run stays active on the server. */
function startHeldRun(quarry: QuarryProcess, sessionId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ content: `${HOLD_MARKER} keep this run open` });
    const request = httpRequest(
      `${quarry.url}/v1/agents/sessions/${sessionId}/messages`,
      {
        method: 'POST',
        agent: false,
        headers: {
          ...quarry.headers(),
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (response) => {
        if (response.statusCode !== 200) return reject(new Error(`held run: ${response.statusCode}`));
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      },
    );
    request.on('error', (error) =>
      (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error),
    );
    request.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS after the process has had a moment to settle, sampled a few times (median), in MB. */
async function settledRssMb(pid: number): Promise<number> {
  await sleep(1500);
  const samples: number[] = [];
  for (let index = 0; index < 5; index++) {
    samples.push(rssBytes(pid) / 1024 / 1024);
    await sleep(200);
  }
  return figure(samples).median;
}

export async function runIdleStreams(
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; mock: MockLlmServer; log: (line: string) => void },
): Promise<void> {
  const count = options.quick ? 200 : 1000;
  const repeats = options.quick ? 2 : 3;
  const apiKey = generateApiKey();
  const dataDir = join(options.workDirectory, 'streams');
  await prepareDataDirectory({ dataDir, apiKey, demo: false });
  const quarry = await startQuarry({
    dataDir,
    apiKey,
    llmUrl: options.mock.url,
    env: { QUARRY_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS), QUARRY_SHUTDOWN_GRACE_SECONDS: '1' },
  });
  try {
    const ready: string[] = new Array<string>(count);
    await runWorkers(16, async (worker) => {
      for (let index = worker; index < count; index += 16) ready[index] = await createSession(quarry);
    });
    await runWorkers(16, async (worker) => {
      for (let index = worker; index < ready.length; index += 16) await startHeldRun(quarry, ready[index]);
    });
    options.log(`  ${ready.length} runs held open`);
    const perStream: number[] = [];
    const openTimes: number[] = [];
    const idleCpu: number[] = [];
    let before = 0;
    let after = 0;
    for (let repeat = 0; repeat < repeats; repeat++) {
      before = await settledRssMb(quarry.pid);
      const started = Date.now();
      const streams: { status: number; close(): void }[] = [];
      await runWorkers(32, async (worker) => {
        for (let index = worker; index < ready.length; index += 32)
          streams.push(await holdStream(`${quarry.url}/v1/agents/sessions/${ready[index]}/stream`, quarry.headers()));
      });
      openTimes.push(Date.now() - started);
      const failed = streams.filter((stream) => stream.status !== 200).length;
      if (failed > 0) throw new Error(`${failed} streams were refused`);
      after = await settledRssMb(quarry.pid);
      perStream.push(((after - before) * 1024) / ready.length);
      // An idle window long enough to include one heartbeat to every stream (full mode).
      const windowMs = options.quick ? 2000 : (HEARTBEAT_SECONDS + 1) * 1000;
      const cpuBefore = cpuTimeMs(quarry.pid);
      await sleep(windowMs);
      idleCpu.push(((cpuTimeMs(quarry.pid) - cpuBefore) / windowMs) * 100);
      for (const stream of streams) stream.close();
      await sleep(500);
    }
    report.add({
      section: SECTION,
      metric: `${ready.length.toLocaleString('en-US')} idle SSE streams: RSS growth per stream`,
      value: figure(perStream),
      unit: 'KB',
    });
    report.add({
      section: SECTION,
      metric: `  time to open all ${ready.length.toLocaleString('en-US')} streams (32 at a time)`,
      value: figure(openTimes),
      unit: 'ms',
      digits: 0,
    });
    report.add({
      section: SECTION,
      metric: `  server CPU while they sit idle`,
      value: figure(idleCpu),
      unit: '% of a core',
    });
    report.note(
      SECTION,
      `Last repeat: RSS ${before.toFixed(0)} MB with ${ready.length} runs held and no stream open, ${after.toFixed(0)} MB with a stream joined to every run. Heartbeat (\`: ping\`) every ${HEARTBEAT_SECONDS} s (QUARRY_HEARTBEAT_SECONDS, the default); the ${options.quick ? '2 s' : `${HEARTBEAT_SECONDS + 1} s`} CPU window ${options.quick ? 'does not include' : 'includes'} one heartbeat to every stream. RSS growth includes whatever the garbage collector had not yet reclaimed.`,
    );
  } finally {
    // Let the held runs end (with a model error) so shutdown has nothing to wait for.
    options.mock.releaseHeld();
    await quarry.stop();
  }
}
