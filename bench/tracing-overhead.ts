/**
 * @module bench/tracing-overhead
 * Section 10: what OpenTelemetry tracing costs a message. Two Quarry
 * processes composed like `quarry serve`, each on its own copy of the demo
 * data and the same in-process scripted model (bench/quarry-scripted-server.ts:
 * one smart_search call, then 50 tokens): one with tracing off (the default:
 * no OTEL endpoint), one exporting every span (request, model calls, tool,
 * retriever and stages, store calls) over OTLP/HTTP to a local sink in the
 * bench process, which only counts what it receives. Rounds alternate
 * between the two with the same closed-loop clients, and each "on" round is
 * divided by the "off" round next to it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ReportBuilder } from './report.js';
import { createSession, prepareDataDirectory, startScriptedQuarry, type QuarryProcess } from './quarry-process.js';
import { messageRound, type RoundResult } from './message-overhead.js';
import { figure, pairedRatio, percentile } from './statistics.js';

const SECTION = '10 tracing';

/** An OTLP/HTTP traces endpoint that accepts and counts, nothing more. */
async function startOtlpSink() {
  let requests = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      requests++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ requests, bytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function runTracingOverhead(
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; apiKey: string },
): Promise<void> {
  const sink = await startOtlpSink();
  const offDir = join(options.workDirectory, 'tracing-off');
  const onDir = join(options.workDirectory, 'tracing-on');
  await prepareDataDirectory({ dataDir: offDir, apiKey: options.apiKey, demo: true });
  await prepareDataDirectory({ dataDir: onDir, apiKey: options.apiKey, demo: true });
  const off = await startScriptedQuarry({ dataDir: offDir, apiKey: options.apiKey, tokens: 50 });
  const on = await startScriptedQuarry({
    dataDir: onDir,
    apiKey: options.apiKey,
    tokens: 50,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'quarry-bench' },
  });
  try {
    const headers = off.headers();
    const sessionsOf = (quarry: QuarryProcess, count: number) =>
      Promise.all(Array.from({ length: count }, () => createSession(quarry)));
    await messageRound(off, await sessionsOf(off, 8), options.quick ? 4 : 8, headers);
    await messageRound(on, await sessionsOf(on, 8), options.quick ? 4 : 8, headers);
    const repeats = options.quick ? 3 : 5;
    for (const clients of [1, 16]) {
      const perClient = clients === 1 ? (options.quick ? 15 : 30) : options.quick ? 3 : 6;
      const offRounds: RoundResult[] = [];
      const onRounds: RoundResult[] = [];
      for (let repeat = 0; repeat < repeats; repeat++) {
        offRounds.push(await messageRound(off, await sessionsOf(off, clients), perClient, headers));
        onRounds.push(await messageRound(on, await sessionsOf(on, clients), perClient, headers));
      }
      const p50 = (rounds: RoundResult[]) =>
        rounds.map((round) =>
          percentile(
            round.timings.map((timing) => timing.totalMs),
            0.5,
          ),
        );
      const cpu = (rounds: RoundResult[]) => rounds.map((round) => round.cpuMs / Math.max(1, round.timings.length));
      const throughput = (rounds: RoundResult[]) => rounds.map((round) => (round.timings.length / round.wallMs) * 1000);
      const label = `c=${clients}`;
      report.add({
        section: SECTION,
        metric: `${label} tracing off: total time p50`,
        value: figure(p50(offRounds)),
        unit: 'ms',
      });
      report.add({
        section: SECTION,
        metric: `${label} tracing on (OTLP export): total time p50`,
        value: figure(p50(onRounds)),
        unit: 'ms',
      });
      report.add({
        section: SECTION,
        metric: `${label} on / off total time`,
        value: pairedRatio(p50(onRounds), p50(offRounds)),
        unit: '×',
      });
      report.add({
        section: SECTION,
        metric: `${label} tracing off: server CPU per message`,
        value: figure(cpu(offRounds)),
        unit: 'ms CPU',
      });
      report.add({
        section: SECTION,
        metric: `${label} tracing on: server CPU per message`,
        value: figure(cpu(onRounds)),
        unit: 'ms CPU',
      });
      report.add({
        section: SECTION,
        metric: `${label} on / off CPU per message`,
        value: pairedRatio(cpu(onRounds), cpu(offRounds)),
        unit: '×',
      });
      report.add({
        section: SECTION,
        metric: `${label} on / off messages/s`,
        value: pairedRatio(throughput(onRounds), throughput(offRounds)),
        unit: '×',
      });
      const failures = [...offRounds, ...onRounds].reduce((sum, round) => sum + round.failures, 0);
      if (failures > 0)
        report.note(SECTION, `${label}: ${failures} messages did not end with \`done\` (left out of the figures).`);
    }
    // The batch processor exports every 5 s: give it one more period before reading the sink.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const { requests, bytes } = sink.stats();
    report.note(
      SECTION,
      `Tracing off is the default (no OTEL_EXPORTER_OTLP_ENDPOINT): no provider, no context manager, nothing wrapped. Tracing on exported ${requests} OTLP requests (${(bytes / 1024).toFixed(0)} KiB) to a local sink; each message makes about 30 spans (the request, 2 model calls, the tool call, the retriever execution and its 2 stages, and ~23 store calls), all sampled here; OTEL_TRACES_SAMPLER=parentbased_traceidratio with a small OTEL_TRACES_SAMPLER_ARG cuts the cost of the unsampled ones to almost nothing.`,
    );
    if (requests === 0) throw new Error('the tracing-on Quarry exported nothing: the comparison would be meaningless');
  } finally {
    await on.stop();
    await off.stop();
    await sink.close();
  }
}
