/**
 * `quarry chat` on a real provider's length cut-off: the answer is shown as
 * truncated (done.finish_reason), not as a complete one.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNamed, startProviderHarness, type ProviderHarness } from './provider-harness.js';

let harness: ProviderHarness;
beforeAll(async () => {
  harness = await startProviderHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('quarry chat on a truncated answer', () => {
  it('says the answer was truncated at max_tokens', async () => {
    const openai = formatNamed('openai');
    const { head, tail } = openai.stream({ text: ['The first half of'], finish: 'length' });
    harness.play(openai, [{ events: [...head, ...tail] }]);
    const child = spawn(
      'npx',
      ['tsx', 'src/main.ts', 'chat', '--url', harness.server.url, '--api-key', harness.server.apiKey],
      { cwd: process.cwd(), env: { ...process.env, NO_COLOR: '' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`Timed out waiting for ${pattern}; output so far:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await waitFor(/you › $/);
    child.stdin.write('Tell me everything\n');
    await waitFor(/tokens\)[^\n]*\n+you › $/);
    child.stdin.write('/quit\n');
    expect(await exited).toBe(0);
    expect(output).toContain('The first half of');
    expect(output).toMatch(/tokens\) · truncated: the answer hit max_tokens/);
  }, 20_000);
});
