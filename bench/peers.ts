/**
 * @module bench/peers
 * Section 5: the same agent scenario (one tool call, then 50 streamed
 * tokens from the same mock model) on the LangGraph.js API server and on
 * Mastra, each spawned from its own install directory outside Quarry.
 * What `npm view` says about each package is recorded first; a peer that
 * is not installed is reported as not measured, with the command that
 * installs it. Only numbers measured here are reported.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/spawn-server.js';
import type { ReportBuilder } from './report.js';
import type { MockLlmServer } from './mock-llm-server.js';
import { PEERS, type PeerDefinition } from './peer-servers.js';
import { cpuTimeMs, startHelperProcess } from './quarry-process.js';
import { MESSAGE_CONTENT } from './message-overhead.js';
import { jsonRequest, streamRequest, type StreamTimings } from './sse-client.js';
import { elapsedMs, figure, now, percentile, runWorkers } from './statistics.js';

const SECTION = '5 peers';
const run = promisify(execFile);

async function registryFacts(packageName: string): Promise<string> {
  try {
    const { stdout } = await run('npm', ['view', packageName, 'engines.node', 'version'], { timeout: 30_000 });
    return stdout.trim().replace(/\s*\n\s*/g, '; ');
  } catch (error) {
    return `npm view failed: ${(error as Error).message.split('\n')[0]}`;
  }
}

function installedVersion(directory: string, packageName: string): string | null {
  const file = join(directory, 'node_modules', packageName, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
}

/** Some servers announce themselves a moment before they accept connections. */
async function waitUntilReachable(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await jsonRequest({ url, method: 'GET' });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function peerRound(
  peer: PeerDefinition,
  target: { url: string; pid: number },
  clients: number,
  perClient: number,
) {
  const sessions = await Promise.all(
    Array.from({ length: clients }, async () => {
      if (!peer.createSessionPath) return '';
      const response = await jsonRequest({ url: `${target.url}${peer.createSessionPath}`, method: 'POST', body: {} });
      return (response.body as { thread_id: string }).thread_id;
    }),
  );
  const timings: StreamTimings[] = [];
  let failures = 0;
  const cpuBefore = cpuTimeMs(target.pid);
  const started = now();
  await runWorkers(clients, async (worker) => {
    for (let index = 0; index < perClient; index++) {
      const result = await streamRequest({
        url: `${target.url}${peer.streamPath.replace('{session}', sessions[worker])}`,
        body: peer.body(MESSAGE_CONTENT),
        isToken: peer.isToken,
      });
      if (result.status !== 200 || Number.isNaN(result.firstTokenMs)) failures++;
      else timings.push(result);
    }
  });
  return { timings, failures, wallMs: elapsedMs(started), cpuMs: cpuTimeMs(target.pid) - cpuBefore };
}

export async function runPeers(
  report: ReportBuilder,
  options: { quick: boolean; mock: MockLlmServer; log: (line: string) => void },
): Promise<void> {
  report.note(SECTION, `Node ${process.version} here.`);
  for (const peer of PEERS) {
    report.note(
      SECTION,
      `${peer.name}: \`npm view ${peer.packageName} engines.node version\` → ${await registryFacts(peer.packageName)}.`,
    );
    const version = installedVersion(peer.directory, peer.packageName);
    if (!version) {
      report.note(
        SECTION,
        `${peer.name}: not measured: not installed in ${peer.directory}. Install it with \`${peer.installCommand}\` and re-run.`,
      );
      continue;
    }
    for (const [file, text] of Object.entries(peer.files)) writeFileSync(join(peer.directory, file), text);
    let server: Awaited<ReturnType<typeof startHelperProcess>>;
    try {
      server = await startHelperProcess(Object.keys(peer.files)[0], [String(await freePort())], {
        cwd: peer.directory,
        env: { MOCK_LLM_URL: options.mock.url },
        typescript: false,
      });
    } catch (error) {
      report.note(
        SECTION,
        `${peer.name} ${version}: installed but did not start: ${(error as Error).message.slice(0, 600)}`,
      );
      continue;
    }
    options.log(`  ${peer.name} ${version}`);
    report.note(SECTION, `${peer.name} ${version}: ${peer.setupNote}`);
    await waitUntilReachable(server.url);
    try {
      await peerRound(peer, server, 4, options.quick ? 3 : 6);
      for (const clients of [1, 16]) {
        const rounds: Awaited<ReturnType<typeof peerRound>>[] = [];
        for (let repeat = 0; repeat < (options.quick ? 2 : 3); repeat++)
          rounds.push(
            await peerRound(peer, server, clients, clients === 1 ? (options.quick ? 5 : 15) : options.quick ? 2 : 4),
          );
        const label = `${peer.name} ${version} c=${clients}`;
        const p50 = (pick: (timing: StreamTimings) => number) =>
          figure(rounds.map((round) => percentile(round.timings.map(pick), 0.5)));
        report.add({
          section: SECTION,
          metric: `${label} time to first event p50`,
          value: p50((timing) => timing.firstEventMs),
          unit: 'ms',
        });
        report.add({
          section: SECTION,
          metric: `${label} time to first token p50`,
          value: p50((timing) => timing.firstTokenMs),
          unit: 'ms',
        });
        report.add({
          section: SECTION,
          metric: `${label} total time p50`,
          value: p50((timing) => timing.totalMs),
          unit: 'ms',
        });
        report.add({
          section: SECTION,
          metric: `${label} messages/s`,
          value: figure(rounds.map((round) => (round.timings.length / round.wallMs) * 1000)),
          unit: 'msg/s',
          digits: 0,
        });
        report.add({
          section: SECTION,
          metric: `${label} server CPU per message`,
          value: figure(rounds.map((round) => round.cpuMs / Math.max(1, round.timings.length))),
          unit: 'ms CPU',
        });
        const failures = rounds.reduce((sum, round) => sum + round.failures, 0);
        if (failures > 0) report.note(SECTION, `${label}: ${failures} answers failed or carried no token.`);
        const sample = rounds[0].timings[0];
        if (clients === 1 && sample)
          report.note(
            SECTION,
            `${peer.name} ${version}: one answer is ${sample.events} SSE events, ${sample.bytes.toLocaleString('en-US')} bytes.`,
          );
      }
    } finally {
      await server.stop();
    }
  }
  report.note(
    SECTION,
    'Not like for like: the peers call a stub tool (five fixed results) where Quarry runs a real hybrid search, and neither stores an event log for resume; LangGraph keeps threads and checkpoints in memory (flushed to files), Mastra runs without memory. Peers were measured at concurrency 1 and 16 only, to keep the bench under 10 minutes.',
  );
}
