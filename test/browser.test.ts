/**
 * The playground in a real browser: headless Chromium (playwright-core,
 * no bundled browser download) against a real server with the demo data.
 * It connects, creates a session, asks a question, checks the streamed
 * cards and answer, and saves the ad-hoc pipeline as a retriever.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { loadConfig } from '../src/config.js';
import { loadDemo } from '../src/cli/demo-command.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = join(process.cwd(), 'test-results');

let server: TestServer;
let browser: BrowserContext;
let page: Page;
let userDataDir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    // Failing loudly on purpose: a skipped browser test would hide a broken playground.
    throw new Error(
      `The browser test needs Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (CI installs it in .ci/run).`,
    );
  }
  server = await startTestServer();
  const config = loadConfig({}, { dataDir: server.dataDir, logLevel: 'silent' });
  await loadDemo(server.store, config, server.orgId, { namespace: 'default', quiet: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'quarry-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  // Fail in seconds with the selector named, rather than at the test's own timeout.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  mkdirSync(RESULTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

const byTestId = (id: string) => `[data-testid="${id}"]`;

describe('playground', () => {
  it('connects, chats with streamed cards, and saves the pipeline as a retriever', async () => {
    await page.goto(server.url);
    await page.fill(byTestId('api-key-input'), server.apiKey);
    await page.click(byTestId('connect-button'));
    await page.waitForSelector(byTestId('new-session-button'));

    // No session picked: the message box is usable and the first message creates one.
    await page.waitForSelector(`${byTestId('message-input')}:not([disabled])`);
    expect(await page.locator(byTestId('session-item')).count()).toBe(0);
    // No saved retriever fits these words, so the agent searches ad hoc and offers the pipeline to save.
    await page.fill(byTestId('message-input'), 'Search for machine learning lectures');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector(byTestId('done-stats'), { timeout: 20_000 });
    await expect.poll(() => page.locator(`${byTestId('session-item')}.selected`).count()).toBe(1);

    // The sort picker shows its whole label ("Recent activity", not "Recent acti").
    expect(
      await page.evaluate(() => {
        const select = document.querySelector('[data-testid="session-sort"]') as HTMLSelectElement;
        const style = getComputedStyle(select);
        const probe = document.createElement('span');
        probe.style.font = style.font;
        probe.style.whiteSpace = 'pre';
        probe.textContent = select.options[select.selectedIndex].text;
        document.body.append(probe);
        const needed =
          probe.getBoundingClientRect().width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 16; // + the arrow
        probe.remove();
        return select.getBoundingClientRect().width >= needed;
      }),
    ).toBe(true);

    expect(await page.textContent(byTestId('intent-chip'))).toMatch(/retriever_search|search/);
    const retriever = page.locator(byTestId('retriever-card')).first();
    expect(await retriever.locator(byTestId('retriever-document')).count()).toBeGreaterThan(0);
    expect(await retriever.locator(byTestId('retriever-document')).first().textContent()).toMatch(/machine learning/i);
    expect(await page.locator(byTestId('tool-card')).first().textContent()).toContain('smart_search');
    const answer = await page.textContent(byTestId('answer'));
    expect(answer).toMatch(/machine learning/i);
    // Snippets are whole words, and a cut one says so with "…".
    const clipped = (await page.locator(byTestId('retriever-snippet')).allTextContents()).filter((snippet) =>
      snippet.endsWith('…'),
    );
    expect(clipped.length).toBeGreaterThan(0); // this question's results include descriptions longer than a snippet
    for (const snippet of clipped) {
      const documents = await server.request('POST', '/v1/collections/videos/documents/list?limit=100', {
        body: { filters: { field: 'description', operator: 'starts_with', value: snippet.slice(0, 80) } },
      });
      const full = documents.body.results
        .map((document: any) => String(document.description))
        .find((text: string) => text.startsWith(snippet.slice(0, -1)));
      expect(full).toBeDefined();
      expect(full.charAt(snippet.length - 1)).toMatch(/[\s,.;:!?]/); // the cut falls between words
    }
    // Feedback icons are inline SVG, not emoji that render as empty boxes without an emoji font.
    expect(await page.locator(`${byTestId('feedback-positive')} svg`).count()).toBe(1);
    expect(await page.locator(`${byTestId('feedback-negative')} svg`).count()).toBe(1);
    expect((await page.textContent(byTestId('feedback-positive')))!.trim()).toBe('');
    expect(await page.locator(byTestId('citation')).count()).toBeGreaterThan(0);
    expect(await page.textContent(byTestId('chat-title'))).not.toBe('New session');

    await page.click(`${byTestId('pipeline-card')} summary`);
    await page.fill(byTestId('save-retriever-name'), 'ml_videos_from_chat');
    await page.click(byTestId('save-retriever-button'));
    await page.waitForSelector(byTestId('saved-retriever'));
    const saved = await server.request('GET', '/v1/retrievers/ml_videos_from_chat');
    expect(saved.status).toBe(200);
    expect(saved.body.stages.length).toBeGreaterThan(0);

    await page.screenshot({ path: join(RESULTS, 'playground.png') });

    await page.click(byTestId('citation'));
    await page.waitForSelector(byTestId('document-dialog'));
    expect(await page.textContent(byTestId('document-dialog'))).toMatch(/title/);
    await page.keyboard.press('Escape');

    await page.click(byTestId('feedback-positive'));
    await page.waitForSelector(byTestId('toast-info'));
    expect(pageErrors).toEqual([]);
  });

  it('reloads the session with its history and shows the data view', async () => {
    await page.reload();
    await page.click(byTestId('session-item'));
    await page.waitForSelector(byTestId('retriever-card'));
    // History, chat and stats load independently: poll rather than read once.
    await expect.poll(() => page.locator(byTestId('user-message')).count()).toBe(1);
    await expect.poll(() => page.textContent(byTestId('answer'))).toMatch(/doc_/);
    await expect.poll(() => page.textContent(`${byTestId('stat-tool-calls')} .tile-value`)).toBe('1');
    // The reloaded answer keeps its intent chip and each tool's latency (read back from the run's events).
    await expect.poll(() => page.locator(byTestId('intent-chip')).count()).toBe(1);
    await expect
      .poll(() => page.textContent(`${byTestId('tool-card')} .card-status`))
      .toMatch(/^ok · \d+(\.\d)? (ms|s)$/);
    await page.screenshot({ path: join(RESULTS, 'playground-reloaded.png') });

    await page.click(byTestId('tab-data'));
    await page.waitForSelector(byTestId('document-row'));
    await expect.poll(() => page.textContent(byTestId('collection-count'))).toBe('2,400');
    const jsonl = [
      '{"title":"Uploaded one","description":"first"}',
      '{"title":"Uploaded two","description":"second"}',
    ].join('\n');
    // Read on the server by `quarry ingest`'s reader: the code keeps its leading zeros, the flag is a boolean.
    const csv = 'title,description,code,flag\n"Uploaded, three","with a comma",00123,true\n';
    await page.setInputFiles(byTestId('upload-input'), [
      { name: 'more.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) },
      { name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) },
    ]);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="upload-status"]')?.textContent?.startsWith('Uploaded 3 documents'),
    );
    await expect.poll(() => page.textContent(byTestId('collection-count'))).toBe('2,403');
    await page.fill(byTestId('document-search'), 'Uploaded three');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('[data-testid="document-row"]')).some((row) =>
        row.textContent?.includes('Uploaded, three'),
      ),
    );
    const uploaded = await server.request('POST', '/v1/collections/videos/documents/list', {
      body: { filters: { field: 'title', operator: 'eq', value: 'Uploaded, three' } },
    });
    expect(uploaded.body.results).toEqual([expect.objectContaining({ code: '00123', flag: true })]);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.click(byTestId('tab-chat'));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(RESULTS, 'playground-phone.png') });
    expect(await page.isVisible(byTestId('message-input'))).toBe(true);
    // Everything in the top bar (tabs, namespace picker, Disconnect) fits the phone's width.
    expect(
      await page.evaluate(() =>
        Math.max(
          ...Array.from(document.querySelectorAll('.topbar > *')).map(
            (element) => element.getBoundingClientRect().right,
          ),
        ),
      ),
    ).toBeLessThanOrEqual(390);
    expect(pageErrors).toEqual([]);
  });

  it('asks before a write tool, counts down, and continues the answer after approval', async () => {
    await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'scratch',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    const created = await server.request('POST', '/v1/agents/sessions', {
      body: { agent_config: { available_tools: ['smart_search', 'list_collections', 'delete_collection'] } },
    });
    const sessionId = created.body.session_id as string;
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.reload();
    await page.click(`[data-session-id="${sessionId}"]`);
    await page.waitForSelector(`${byTestId('message-input')}:not([disabled])`);
    await page.fill(byTestId('message-input'), 'Delete the collection scratch');
    await page.click(byTestId('send-button'));

    await page.waitForSelector(byTestId('confirmation-dialog'));
    expect(await page.textContent(byTestId('confirmation-dialog'))).toContain('delete_collection');
    expect(await page.textContent(byTestId('confirmation-countdown'))).toMatch(/^[45]:\d\d left$/);
    await page.click(byTestId('approve-button'));
    await page.waitForSelector(byTestId('done-stats'));
    expect(await page.textContent(`${byTestId('tool-card')}[data-tool="delete_collection"]`)).toContain('ok');
    expect((await server.request('GET', '/v1/collections/scratch')).status).toBe(404);
    expect(pageErrors).toEqual([]);
  });

  it('switches namespace in place and still creates sessions from the dialog', async () => {
    await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'second' } });
    const other = await server.request('POST', '/v1/agents/sessions', {
      namespace: 'second',
      body: { agent_config: {} },
    });
    await page.click(byTestId('tab-chat'));
    // Namespaces created after connecting are listed when the picker is focused.
    await page.focus(byTestId('namespace-select'));
    await page.waitForSelector(`${byTestId('namespace-select')} option[value="second"]`, { state: 'attached' });
    await page.selectOption(byTestId('namespace-select'), 'second');
    await page.waitForSelector(`[data-session-id="${other.body.session_id}"]`);
    expect(await page.locator(byTestId('session-item')).count()).toBe(1);
    expect(await page.isVisible(byTestId('connect-screen'))).toBe(false);
    await page.click(byTestId('new-session-button'));
    await page.waitForSelector(byTestId('new-session-dialog'));
    await page.click(byTestId('create-session-button'));
    await expect.poll(() => page.locator(byTestId('session-item')).count()).toBe(2);
    expect(
      (await server.request('POST', '/v1/agents/sessions/list', { namespace: 'second', body: {} })).body.total,
    ).toBe(2);
    await page.selectOption(byTestId('namespace-select'), 'default');
    await page.waitForSelector(`[data-session-id]:not([data-session-id="${other.body.session_id}"])`);
    expect(await page.locator(`[data-session-id="${other.body.session_id}"]`).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('shows the server’s error message in a toast', async () => {
    await page.click(byTestId('tab-builder'));
    await page.waitForSelector(byTestId('builder-run'));
    // The builder's result snippets are cut between words and marked "…".
    await page.fill(byTestId('builder-collections'), 'videos');
    await page.click(byTestId('builder-run'));
    await page.waitForSelector(byTestId('builder-snippet'));
    const snippets = await page.locator(byTestId('builder-snippet')).allTextContents();
    const cut = snippets.filter((snippet) => snippet.endsWith('…'));
    expect(cut.length).toBeGreaterThan(0);
    for (const snippet of cut) {
      const documents = await server.request('POST', '/v1/collections/videos/documents/list?limit=100', {
        body: { filters: { field: 'description', operator: 'starts_with', value: snippet.slice(0, 80) } },
      });
      const full = documents.body.results
        .map((document: any) => String(document.description))
        .find((text: string) => text.startsWith(snippet.slice(0, -1)));
      expect(full).toBeDefined();
      expect(full.charAt(snippet.length - 1)).toMatch(/[\s,.;:!?]/);
    }
    await page.fill(byTestId('builder-collections'), 'no_such_collection');
    await page.click(byTestId('builder-run'));
    const toast = await page.waitForSelector(byTestId('toast-error'));
    expect(await toast.textContent()).toMatch(/no_such_collection|not found/i);
  });
});

describe('the built client (dist/client/index.js, what `quarry/client` exports)', () => {
  it('loads in the browser as it is and streams an answer', async () => {
    // The file itself, not the server's /client.js (bundled from the sources on request): what npm users get.
    const bundle = readFileSync(join(process.cwd(), 'dist/client/index.js'), 'utf8');
    const builtPage = await browser.newPage();
    let served = 0;
    await builtPage.route('**/built/quarry-client.js', (route) => {
      served += 1;
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: bundle });
    });
    try {
      await builtPage.goto(`${server.url}/healthz`);
      // As a page would load it: a module script importing it by URL (evaluate() cannot hold an import: vitest
      // rewrites it).
      const script = "import * as quarry from '/built/quarry-client.js'; window.quarry = quarry;";
      await builtPage.addScriptTag({ type: 'module', content: script });
      await builtPage.waitForFunction(() => 'quarry' in window);
      const types = await builtPage.evaluate(async (apiKey) => {
        const { createQuarryClient } = (window as any).quarry;
        const client = createQuarryClient({ baseUrl: location.origin, apiKey });
        const { session_id } = await client.sessions.create({ agent_config: {} });
        const seen: string[] = [];
        const events = client.sessions.send(session_id, 'Find videos about machine learning');
        for await (const event of events) seen.push(event.type);
        return seen;
      }, server.apiKey);
      expect(served).toBe(1);
      expect(types).toContain('retriever_execution');
      expect(types).toContain('token');
      expect(types.at(-1)).toBe('done');
    } finally {
      await builtPage.close();
    }
  });
});
