/**
 * The playground in a real browser: headless Chromium (playwright-core,
 * no bundled browser download) against a real server with the demo data.
 * It connects, creates a session, asks a question, checks the streamed
 * cards and answer, and saves the ad-hoc pipeline as a retriever.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
    throw new Error(`The browser test needs Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (CI installs it in .ci/run).`);
  }
  server = await startTestServer();
  const config = loadConfig({}, { dataDir: server.dataDir, logLevel: 'silent' });
  await loadDemo(server.store, config, server.orgId, { namespace: 'default', quiet: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'quarry-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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

    await page.click(byTestId('new-session-button'));
    await page.waitForSelector(byTestId('new-session-dialog'));
    await page.click(byTestId('create-session-button'));
    await page.waitForSelector(`${byTestId('message-input')}:not([disabled])`);
    expect(await page.locator(byTestId('session-item')).count()).toBe(1);

    await page.fill(byTestId('message-input'), 'Find videos about machine learning');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector(byTestId('done-stats'), { timeout: 20_000 });

    expect(await page.textContent(byTestId('intent-chip'))).toMatch(/retriever_search|search/);
    const retriever = page.locator(byTestId('retriever-card')).first();
    expect(await retriever.locator(byTestId('retriever-document')).count()).toBeGreaterThan(0);
    expect(await retriever.locator(byTestId('retriever-document')).first().textContent()).toMatch(/machine learning/i);
    expect(await page.locator(byTestId('tool-card')).first().textContent()).toContain('smart_search');
    const answer = await page.textContent(byTestId('answer'));
    expect(answer).toMatch(/machine learning/i);
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

    await page.click(byTestId('tab-data'));
    await page.waitForSelector(byTestId('document-row'));
    await expect.poll(() => page.textContent(byTestId('collection-count'))).toBe('2,400');
    const jsonl = ['{"title":"Uploaded one","description":"first"}', '{"title":"Uploaded two","description":"second"}'].join('\n');
    const csv = 'title,description\n"Uploaded, three","with a comma"\n';
    await page.setInputFiles(byTestId('upload-input'), [
      { name: 'more.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) },
      { name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) },
    ]);
    await page.waitForFunction(() => document.querySelector('[data-testid="upload-status"]')?.textContent?.startsWith('Uploaded 3 documents'));
    await expect.poll(() => page.textContent(byTestId('collection-count'))).toBe('2,403');
    await page.fill(byTestId('document-search'), 'Uploaded three');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="document-row"]')).some((row) => row.textContent?.includes('Uploaded, three')));

    await page.setViewportSize({ width: 390, height: 844 });
    await page.click(byTestId('tab-chat'));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(RESULTS, 'playground-phone.png') });
    expect(await page.isVisible(byTestId('message-input'))).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('asks before a write tool, counts down, and continues the answer after approval', async () => {
    await server.request('POST', '/v1/collections', { body: { collection_name: 'scratch', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } } });
    const created = await server.request('POST', '/v1/agents/sessions', { body: { agent_config: { available_tools: ['smart_search', 'list_collections', 'delete_collection'] } } });
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

  it('shows the server’s error message in a toast', async () => {
    await page.click(byTestId('tab-builder'));
    await page.waitForSelector(byTestId('builder-run'));
    await page.fill(byTestId('builder-collections'), 'no_such_collection');
    await page.click(byTestId('builder-run'));
    const toast = await page.waitForSelector(byTestId('toast-error'));
    expect(await toast.textContent()).toMatch(/no_such_collection|not found/i);
  });
});
