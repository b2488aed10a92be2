/**
 * @module bench/message-overhead
 * Section 1: what a message costs Quarry beyond the model. A spawned Quarry
 * answers messages whose (mock, zero-delay) model makes one `smart_search`
 * call and then streams 50 tokens; a bare `node:http` process replays the
 * same stream byte for byte with no work. Both are driven by the same
 * closed-loop clients, alternately, so every Quarry round has a baseline
 * round next to it to be divided by.
 *
 * A second line, given the data directory, does the same with a Quarry whose
 * model is scripted in process (bench/quarry-scripted-server.ts): the same
 * stream without the provider client (HTTP to the model, the AI SDK's stream
 * parsing), each of its rounds next to the same baseline round. The HTTP-mock
 * line stays the headline.
 *
 * A third process, the durable floor (bench/baseline-server.ts --durable),
 * replays the same frames and also makes the writes that keep what Quarry
 * keeps, through Quarry's store: what durability alone costs over the bare
 * replay, and what Quarry's own machinery costs over that.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportBuilder } from './report.js';
import {
  cpuTimeMs,
  createSession,
  startHelperProcess,
  startScriptedQuarry,
  type QuarryProcess,
} from './quarry-process.js';
import { streamRequest, type StreamTimings } from './sse-client.js';
import { elapsedMs, figure, median, now, pairedRatio, percentile, runWorkers } from './statistics.js';

const SECTION = '1 message';
const BASELINE_SCRIPT = fileURLToPath(new URL('./baseline-server.ts', import.meta.url));
export const MESSAGE_CONTENT = 'Find videos about machine learning';
/** Tokens of the answer: what bench/run.ts asks of the HTTP mock, played by the scripted model too. */
const ANSWER_TOKENS = 50;
const SCRIPTED = 'scripted in-process model';

export interface RoundResult {
  timings: StreamTimings[];
  wallMs: number;
  cpuMs: number;
  failures: number;
}

/** `clients` concurrent clients, each on its own session, each sending `perClient` messages in turn. */
export async function messageRound(
  target: { url: string; pid: number },
  sessions: string[],
  perClient: number,
  headers: Record<string, string>,
): Promise<RoundResult> {
  const timings: StreamTimings[] = [];
  let failures = 0;
  const cpuBefore = cpuTimeMs(target.pid);
  const started = now();
  await runWorkers(sessions.length, async (worker) => {
    for (let index = 0; index < perClient; index++) {
      const result = await streamRequest({
        url: `${target.url}/v1/agents/sessions/${sessions[worker]}/messages`,
        headers,
        body: { content: MESSAGE_CONTENT },
      });
      if (result.status !== 200 || result.terminal !== 'done') failures++;
      else timings.push(result);
    }
  });
  return { timings, wallMs: elapsedMs(started), cpuMs: cpuTimeMs(target.pid) - cpuBefore, failures };
}

const p50 = (timings: StreamTimings[], pick: (timing: StreamTimings) => number) => percentile(timings.map(pick), 0.5);

export async function runMessageOverhead(
  quarry: QuarryProcess,
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; scriptedDataDir?: string },
): Promise<void> {
  const headers = quarry.headers();
  // Capture one real stream: the baseline replays it frame for frame.
  const captureSession = await createSession(quarry);
  const capture = await streamRequest({
    url: `${quarry.url}/v1/agents/sessions/${captureSession}/messages`,
    headers,
    body: { content: MESSAGE_CONTENT },
    keepFrames: true,
  });
  if (capture.terminal !== 'done' || !capture.frames)
    throw new Error(`capture stream did not finish: ${capture.status} ${capture.terminal}`);
  const framesFile = join(options.workDirectory, 'captured-frames.json');
  writeFileSync(framesFile, JSON.stringify(capture.frames));
  report.note(
    SECTION,
    `The captured stream has ${capture.events} events, ${capture.bytes.toLocaleString('en-US')} bytes (smart_search tool call, 5 results, 50 tokens); the baseline replays exactly these frames.`,
  );
  const baseline = await startHelperProcess(BASELINE_SCRIPT, [framesFile]);
  const durable = await startHelperProcess(BASELINE_SCRIPT, [
    framesFile,
    '--durable',
    join(options.workDirectory, 'durable-floor'),
  ]);
  // A data directory of its own, prepared alike: on a shared file each process would see the other's commits
  // and rebuild its in-memory search indexes at the start of every round.
  const scripted = options.scriptedDataDir
    ? await startScriptedQuarry({ dataDir: options.scriptedDataDir, apiKey: quarry.apiKey, tokens: ANSWER_TOKENS })
    : null;
  try {
    if (scripted) {
      const check = await streamRequest({
        url: `${scripted.url}/v1/agents/sessions/${await createSession(scripted)}/messages`,
        headers,
        body: { content: MESSAGE_CONTENT },
      });
      if (check.terminal !== 'done')
        throw new Error(`scripted stream did not finish: ${check.status} ${check.terminal}`);
      report.note(
        SECTION,
        `The "${SCRIPTED}" lines run a second Quarry process composed as \`quarry serve\` but with the AI SDK's MockLanguageModelV3 playing the same script in process (bench/quarry-scripted-server.ts): no HTTP to a model, no provider stream parsing. Its stream has ${check.events} events, ${check.bytes.toLocaleString('en-US')} bytes; each of its rounds is divided by the same baseline round as the HTTP-mock round before it. The HTTP-mock lines are the headline.`,
      );
    }
    const levels = options.quick ? [1, 16, 128] : [1, 16, 128];
    const repeats = options.quick ? 3 : 5;
    const perClientFor = (clients: number) =>
      clients === 1 ? (options.quick ? 15 : 30) : clients === 16 ? (options.quick ? 3 : 6) : 2;
    // Warm-up: JIT, SQLite page cache, connection pools on both sides.
    const warmSessions = await Promise.all(Array.from({ length: 8 }, () => createSession(quarry)));
    await messageRound(quarry, warmSessions, options.quick ? 4 : 8, headers);
    await messageRound(baseline, warmSessions, options.quick ? 4 : 8, headers);
    await messageRound(durable, warmSessions, options.quick ? 4 : 8, headers);
    if (scripted)
      await messageRound(
        scripted,
        await Promise.all(Array.from({ length: 8 }, () => createSession(scripted))),
        options.quick ? 4 : 8,
        headers,
      );
    let saturation = 0;
    let scriptedSaturation = 0;
    for (const clients of levels) {
      const quarryRounds: RoundResult[] = [];
      const baselineRounds: RoundResult[] = [];
      const scriptedRounds: RoundResult[] = [];
      const durableRounds: RoundResult[] = [];
      for (let repeat = 0; repeat < repeats; repeat++) {
        const sessions = await Promise.all(Array.from({ length: clients }, () => createSession(quarry)));
        quarryRounds.push(await messageRound(quarry, sessions, perClientFor(clients), headers));
        baselineRounds.push(await messageRound(baseline, sessions, perClientFor(clients), headers));
        durableRounds.push(await messageRound(durable, sessions, perClientFor(clients), headers));
        if (scripted)
          scriptedRounds.push(
            await messageRound(
              scripted,
              await Promise.all(Array.from({ length: clients }, () => createSession(scripted))),
              perClientFor(clients),
              headers,
            ),
          );
      }
      reportLevel(report, clients, quarryRounds, baselineRounds, durableRounds);
      if (scripted) reportScriptedLevel(report, clients, scriptedRounds, baselineRounds, durableRounds);
      saturation = Math.max(saturation, throughputOf(quarryRounds).median);
      if (scripted) scriptedSaturation = Math.max(scriptedSaturation, throughputOf(scriptedRounds).median);
    }
    report.note(
      SECTION,
      `Messages/s at saturation (best median over the concurrency levels): ${saturation.toFixed(0)}${scripted ? `; with the ${SCRIPTED}: ${scriptedSaturation.toFixed(0)}` : ''}.`,
    );
  } finally {
    await scripted?.stop();
    await durable.stop();
    await baseline.stop();
  }
}

const throughputOf = (rounds: RoundResult[]) =>
  figure(rounds.map((round) => (round.timings.length / round.wallMs) * 1000));
const cpuPerMessage = (rounds: RoundResult[]) =>
  figure(rounds.map((round) => round.cpuMs / Math.max(1, round.timings.length)));

/** The scripted-model line: the figures that say what is left without the provider client, against the same baseline rounds. */
function reportScriptedLevel(
  report: ReportBuilder,
  clients: number,
  scripted: RoundResult[],
  baseline: RoundResult[],
  durable: RoundResult[],
): void {
  const label = `c=${clients} ${SCRIPTED}:`;
  const total = scripted.map((round) => p50(round.timings, (timing) => timing.totalMs));
  const retrieval = scripted.map((round) =>
    median(round.timings.map((timing) => timing.retrievalMs ?? Number.NaN).filter(Number.isFinite)),
  );
  const baselineTotal = baseline.map((round) => p50(round.timings, (timing) => timing.totalMs));
  report.add({
    section: SECTION,
    metric: `${label} time to first event (intent) p50`,
    value: figure(scripted.map((round) => p50(round.timings, (timing) => timing.firstEventMs))),
    unit: 'ms',
  });
  report.add({ section: SECTION, metric: `${label} total time p50`, value: figure(total), unit: 'ms' });
  report.add({
    section: SECTION,
    metric: `${label} retrieval inside the message p50`,
    value: figure(retrieval),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} excluding retrieval / baseline`,
    value: pairedRatio(
      total.map((value, index) => value - retrieval[index]),
      baselineTotal,
    ),
    unit: '×',
  });
  report.add({
    section: SECTION,
    metric: `${label} excluding retrieval / durable floor`,
    value: pairedRatio(
      total.map((value, index) => value - retrieval[index]),
      durable.map((round) => p50(round.timings, (timing) => timing.totalMs)),
    ),
    unit: '×',
  });
  report.add({
    section: SECTION,
    metric: `${label} messages/s`,
    value: throughputOf(scripted),
    unit: 'msg/s',
    digits: 0,
  });
  report.add({
    section: SECTION,
    metric: `${label} server CPU per message`,
    value: cpuPerMessage(scripted),
    unit: 'ms CPU',
  });
  const failures = scripted.reduce((sum, round) => sum + round.failures, 0);
  if (failures > 0)
    report.note(SECTION, `${label} ${failures} messages did not end with \`done\` (left out of the figures).`);
}

function reportLevel(
  report: ReportBuilder,
  clients: number,
  quarry: RoundResult[],
  baseline: RoundResult[],
  durable: RoundResult[],
): void {
  const label = `c=${clients}`;
  const firstEvent = quarry.map((round) => p50(round.timings, (timing) => timing.firstEventMs));
  const firstToken = quarry.map((round) => p50(round.timings, (timing) => timing.firstTokenMs));
  const total = quarry.map((round) => p50(round.timings, (timing) => timing.totalMs));
  const totalP99 = quarry.map((round) =>
    percentile(
      round.timings.map((timing) => timing.totalMs),
      0.99,
    ),
  );
  const retrieval = quarry.map((round) =>
    median(round.timings.map((timing) => timing.retrievalMs ?? Number.NaN).filter(Number.isFinite)),
  );
  const baselineTotal = baseline.map((round) => p50(round.timings, (timing) => timing.totalMs));
  const baselineFirst = baseline.map((round) => p50(round.timings, (timing) => timing.firstEventMs));
  const excludingRetrieval = total.map((value, index) => value - retrieval[index]);
  const firstEventFigure = figure(firstEvent);
  report.add({
    section: SECTION,
    metric: `${label} time to first event (intent) p50`,
    value: firstEventFigure,
    unit: 'ms',
    ...(clients === 1 ? { target: '< 10 ms', met: firstEventFigure.median < 10 } : {}),
  });
  report.add({ section: SECTION, metric: `${label} time to first token p50`, value: figure(firstToken), unit: 'ms' });
  report.add({ section: SECTION, metric: `${label} total time p50`, value: figure(total), unit: 'ms' });
  report.add({ section: SECTION, metric: `${label} total time p99`, value: figure(totalP99), unit: 'ms' });
  report.add({
    section: SECTION,
    metric: `${label} retrieval inside the message (retriever_execution.latency_ms) p50`,
    value: figure(retrieval),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} baseline (bare node:http replay) total p50`,
    value: figure(baselineTotal),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} baseline first event p50`,
    value: figure(baselineFirst),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} Quarry/baseline total time`,
    value: pairedRatio(total, baselineTotal),
    unit: '×',
  });
  const overhead = pairedRatio(excludingRetrieval, baselineTotal);
  report.add({
    section: SECTION,
    metric: `${label} Quarry excluding retrieval / baseline`,
    value: overhead,
    unit: '×',
    target: '≤ 1.5×',
    met: overhead.median <= 1.5,
  });
  const durableTotal = durable.map((round) => p50(round.timings, (timing) => timing.totalMs));
  report.add({
    section: SECTION,
    metric: `${label} durable floor (replay + the same writes) total p50`,
    value: figure(durableTotal),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} durable floor / baseline`,
    value: pairedRatio(durableTotal, baselineTotal),
    unit: '×',
  });
  report.add({
    section: SECTION,
    metric: `${label} Quarry excluding retrieval / durable floor`,
    value: pairedRatio(excludingRetrieval, durableTotal),
    unit: '×',
  });
  report.add({
    section: SECTION,
    metric: `${label} durable floor CPU per stream`,
    value: cpuPerMessage(durable),
    unit: 'ms CPU',
  });
  const durableFailures = durable.reduce((sum, round) => sum + round.failures, 0);
  if (durableFailures > 0)
    report.note(SECTION, `${label}: ${durableFailures} durable-floor streams failed (left out of the figures).`);
  report.add({
    section: SECTION,
    metric: `${label} messages/s`,
    value: throughputOf(quarry),
    unit: 'msg/s',
    digits: 0,
  });
  report.add({
    section: SECTION,
    metric: `${label} baseline streams/s`,
    value: figure(baseline.map((round) => (round.timings.length / round.wallMs) * 1000)),
    unit: 'req/s',
    digits: 0,
  });
  report.add({
    section: SECTION,
    metric: `${label} Quarry/baseline throughput`,
    value: pairedRatio(
      quarry.map((round) => round.timings.length / round.wallMs),
      baseline.map((round) => round.timings.length / round.wallMs),
    ),
    unit: '×',
  });
  report.add({
    section: SECTION,
    metric: `${label} server CPU per message`,
    value: cpuPerMessage(quarry),
    unit: 'ms CPU',
  });
  report.add({
    section: SECTION,
    metric: `${label} baseline CPU per stream`,
    value: figure(baseline.map((round) => round.cpuMs / Math.max(1, round.timings.length))),
    unit: 'ms CPU',
  });
  const failures = quarry.reduce((sum, round) => sum + round.failures, 0);
  if (failures > 0)
    report.note(SECTION, `${label}: ${failures} Quarry messages did not end with \`done\` (left out of the figures).`);
}
