/**
 * The README's curl examples, run as written against a real server: the
 * quick start with its own headers, and every `curl` of the API section
 * with the `H` headers the README says are implied. Placeholders the README
 * writes with `…` (`msg_…`, `doc_…`, `exec_…`, `conf_…`) and `$S`, `$NEXT`
 * are filled from earlier answers, as a reader would; every call must
 * answer 2xx.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { parseSse } from '../helpers/sse.js';
import { validAgentFrames } from '../helpers/agent-events.js';

const run = promisify(execFile);
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The ```bash blocks of a stretch of the README. */
function bashBlocks(text: string): string[] {
  return [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
}

/** Each `curl` command of a block, its quoted continuation lines included. */
function curlCommands(block: string): string[] {
  const commands: string[] = [];
  let current: string[] | null = null;
  for (const line of block.split('\n')) {
    if (!current && line.startsWith('curl ')) current = [];
    if (!current) continue;
    current.push(line);
    if ((current.join('\n').match(/'/g)?.length ?? 0) % 2 === 0) {
      commands.push(current.join('\n'));
      current = null;
    }
  }
  return commands;
}

let server: TestServer;
let host: string;
beforeAll(async () => {
  server = await startTestServer();
  host = new URL(server.url).host;
});
afterAll(async () => {
  await server?.close();
});

async function bash(script: string, environment: Record<string, string>) {
  return run('bash', ['-c', script], {
    env: { PATH: process.env.PATH, KEY: server.apiKey, ...environment },
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe("the README's examples", () => {
  it('the quick start streams an answer', async () => {
    const quickStart = bashBlocks(readme).find((block) => block.includes('export KEY=sk_...'))!;
    const script = quickStart.replace(/^export KEY=.*$/m, '').replaceAll('localhost:8000', host);
    const { stdout } = await bash(script, {});
    const frames = validAgentFrames(parseSse(stdout).frames);
    expect(frames.at(-1)!.event).toBe('done');
  });

  it('every curl of the API section answers 2xx', async () => {
    const section = readme.slice(readme.indexOf('\n## API'), readme.indexOf('\n## Architecture'));
    const blocks = bashBlocks(section);
    const commands = blocks.flatMap(curlCommands);
    // One command per line that starts with curl: a quote left open would swallow the next ones.
    expect(commands.length).toBe(
      blocks
        .join('\n')
        .split('\n')
        .filter((line) => line.startsWith('curl ')).length,
    );
    expect(commands.length).toBeGreaterThanOrEqual(55);
    // The implied `H` headers (JSON unless the command names its own content type); -w appends the status on a line of its own.
    const curl = (command: string) => {
      const json = /-H '?content-type/i.test(command) ? '' : ' -H content-type:application/json';
      return `curl() { command curl -sS -H "Authorization: Bearer $KEY"${json} -w '\\n%{http_code}' "$@"; }\n`;
    };
    const state: Record<string, string> = {
      S: '',
      NEXT: '',
      message: '',
      document: '',
      execution: '',
      confirmation: '',
    };
    const failures: string[] = [];
    for (const command of commands) {
      const environment = { S: state.S, NEXT: state.NEXT };
      if (command.includes('/confirmations/conf_…')) {
        // A confirmation to answer: a session whose agent may delete, asked to delete something.
        await server.request('POST', '/v1/collections', {
          body: {
            collection_name: 'old_notes',
            feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
          },
        });
        const writer = await server.request('POST', '/v1/agents/sessions', {
          body: { agent_config: { available_tools: ['delete_collection'] } },
        });
        const paused = await server.request('POST', `/v1/agents/sessions/${writer.body.session_id}/messages`, {
          body: { content: 'delete the collection old_notes' },
        });
        state.confirmation = parseSse(paused.body).frames.at(-1)!.data.confirmation_id;
        environment.S = writer.body.session_id;
      }
      const script = command
        .replaceAll('localhost:8000', host)
        .replaceAll('msg_…', state.message)
        .replaceAll('doc_…', state.document)
        .replaceAll('exec_…', state.execution)
        .replaceAll('conf_…', state.confirmation);
      const { stdout } = await bash(curl(command) + script, environment);
      const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
      const text = stdout.slice(0, stdout.lastIndexOf('\n'));
      if (status < 200 || status >= 300) {
        failures.push(`${status} ${command.split('\n')[0]}\n  ${text.slice(0, 300)}`);
        continue;
      }
      const json = text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : null;
      const frames = json ? [] : parseSse(text).frames;
      if (!json && command.includes('/v1/agents/')) validAgentFrames(frames);
      if (/-X POST \S+\/v1\/agents\/sessions -d/.test(script)) state.S = json.session_id;
      if (json?.pagination && 'next_cursor' in json.pagination) state.NEXT = json.pagination.next_cursor ?? '';
      if (json?.role === 'assistant') state.message = json.message_id;
      const done = frames.find((frame) => frame.event === 'done');
      // The confirmation's stream belongs to the helper session, not to $S.
      if (done && environment.S === state.S) state.message = done.data.message_id;
      if (/\/documents -d/.test(script) && json?.document_id) state.document = json.document_id;
      if (json?.execution_id) state.execution = json.execution_id;
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
