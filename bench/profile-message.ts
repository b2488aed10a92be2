/**
 * @module bench/profile-message
 * A CPU profile of the message path: prepares a demo data directory, starts
 * bench/quarry-scripted-server.ts with `--cpu-prof`, sends messages at
 * concurrency 1 and prints where the server's time went (self time by
 * function and by file). Not part of `npm run bench`; a tool for finding
 * what section 1's overhead is made of.
 *
 *   node --import tsx bench/profile-message.ts [--messages 2000] [--out DIR] [--time-only]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cpuTimeMs, createSession, prepareDataDirectory, type QuarryProcess } from './quarry-process.js';
import { streamRequest } from './sse-client.js';
import { MESSAGE_CONTENT } from './message-overhead.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    out: { type: 'string' },
    top: { type: 'string', default: '40' },
    'time-only': { type: 'boolean', default: false },
  },
});
const out = values.out ?? mkdtempSync(join(tmpdir(), 'quarry-profile-'));
const dataDir = join(out, 'data');
const apiKey = 'qk_profile_0000000000000000000000000000';
await prepareDataDirectory({ dataDir, apiKey, demo: true });
const script = fileURLToPath(new URL('./quarry-scripted-server.ts', import.meta.url));
const child = spawn(
  process.execPath,
  [
    ...(values['time-only'] ? [] : ['--cpu-prof', '--cpu-prof-dir', out]),
    '--import',
    'tsx',
    script,
    '--data-dir',
    dataDir,
  ],
  {
    env: { ...process.env, QUARRY_API_KEY: apiKey, QUARRY_RATE_LIMIT_PER_MINUTE: '0', QUARRY_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const port = await new Promise<number>((resolve) =>
  child.stdout!.on('data', (chunk: Buffer) => {
    const match = /listening (\d+)/.exec(chunk.toString());
    if (match) resolve(Number(match[1]));
  }),
);
const quarry: QuarryProcess = {
  url: `http://127.0.0.1:${port}`,
  pid: child.pid!,
  apiKey,
  headers: () => ({ authorization: `Bearer ${apiKey}` }),
  stop: async () => {},
};
const session = await createSession(quarry);
const total = Number(values.messages);
// Warm-up (JIT, page cache) before the clock starts.
for (let index = 0; index < 200; index++)
  await streamRequest({
    url: `${quarry.url}/v1/agents/sessions/${session}/messages`,
    headers: quarry.headers(),
    body: { content: MESSAGE_CONTENT },
  });
const cpuBefore = cpuTimeMs(child.pid!);
const started = performance.now();
for (let index = 0; index < total; index++) {
  const result = await streamRequest({
    url: `${quarry.url}/v1/agents/sessions/${session}/messages`,
    headers: quarry.headers(),
    body: { content: MESSAGE_CONTENT },
  });
  if (result.terminal !== 'done') throw new Error(`message ${index}: ${result.status} ${result.terminal}`);
}
const wall = performance.now() - started;
process.stdout.write(
  `${total} messages in ${wall.toFixed(0)} ms: ${(wall / total).toFixed(2)} ms each, server CPU ${((cpuTimeMs(child.pid!) - cpuBefore) / total).toFixed(2)} ms each\n`,
);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
if (values['time-only']) process.exit(0);
const file = readdirSync(out).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${out}`);
const profile = JSON.parse(readFileSync(join(out, file), 'utf8')) as Profile;
const selfTime = new Map<number, number>();
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let all = 0;
for (const node of profile.nodes) {
  const time = (selfTime.get(node.id) ?? 0) / 1000;
  if (node.callFrame.functionName === '(idle)') continue;
  all += time;
  const where = node.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/');
  byFunction.set(
    `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`,
    (byFunction.get(`${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`) ?? 0) +
      time,
  );
  const fileKey = where.replace(/^(node_modules\/(@[^/]+\/)?[^/]+).*/, '$1') || node.callFrame.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + time);
}
const top = Number(values.top);
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title} (ms per message, of ${(all / total).toFixed(2)} busy)\n`);
  for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${(time / total).toFixed(3).padStart(8)}  ${name}\n`);
};
print('self time by file or package', byFile);
print('self time by function', byFunction);
process.stdout.write(`\nprofile: ${join(out, file)}\n`);
