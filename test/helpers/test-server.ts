/**
 * A real Quarry server on a random port over a fresh store (SQLite by
 * default; QUARRY_TEST_BACKEND=postgres or pglite for the PostgreSQL
 * store), for integration tests that speak HTTP to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createApp, type AppDependencies, type QuarryApp } from '../../src/app.js';
import { openTestStore, testBackend, type TestBackend } from './test-store.js';
import { bootstrap } from '../../src/sessions/bootstrap.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../src/lib/api-key-secret.js';
import type { Store } from '../../src/store/store.js';
import { createLanguageModelRegistry } from '../../src/models/language-model-registry.js';
import { TOOL_NAMES } from '../../src/agent/tool-catalog.js';
import { createEmbeddingCatalog } from '../../src/models/model-catalog.js';

export interface TestServer {
  url: string;
  apiKey: string;
  orgId: string;
  store: Store;
  quarry: QuarryApp;
  dataDir: string;
  /** A second organization's key and id, for tenancy tests. */
  createOrganization(name: string): Promise<{ orgId: string; apiKey: string }>;
  /** `namespaces`: names or ids, bound to ids now (an unknown one grants nothing). */
  createKey(orgId: string, options?: { readOnly?: boolean; namespaces?: string[] }): Promise<string>;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; apiKey?: string | null; namespace?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export const offlineModels = createLanguageModelRegistry({});

export async function startTestServer(
  options: { config?: Partial<Config>; dependencies?: Partial<AppDependencies>; backend?: TestBackend } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'quarry-test-'));
  const config = loadConfig({}, { dataDir, logLevel: 'silent', port: 0, host: '127.0.0.1', ...options.config });
  const { store, dispose } = await openTestStore(options.backend ?? testBackend(), dataDir);
  const apiKey = generateApiKey();
  const { orgId } = await bootstrap(store, { apiKey, now: Date.now });
  const quarry = await createApp({
    config,
    store,
    models: offlineModels,
    toolNames: TOOL_NAMES,
    embeddings: createEmbeddingCatalog(config),
    logger: false,
    ...options.dependencies,
  });
  const address = await quarry.app.listen({ port: 0, host: '127.0.0.1' });

  const createKey: TestServer['createKey'] = async (keyOrgId, keyOptions = {}) => {
    const secret = generateApiKey();
    // Grants are namespace ids, resolved when the key is made (as `quarry keys create` does).
    const namespaceIds = keyOptions.namespaces
      ? await Promise.all(
          keyOptions.namespaces.map(
            async (identifier) =>
              (await store.namespaces.resolve({ orgId: keyOrgId }, identifier))?.namespace_id ??
              `unresolved:${identifier}`,
          ),
        )
      : null;
    await store.apiKeys.create(
      { orgId: keyOrgId },
      {
        name: 'test',
        keyHash: hashApiKey(secret),
        keyPrefix: apiKeyPrefix(secret),
        readOnly: keyOptions.readOnly ?? false,
        namespaces: namespaceIds,
      },
    );
    return secret;
  };

  return {
    url: address,
    apiKey,
    orgId,
    store,
    quarry,
    dataDir,
    createKey,
    async createOrganization(name) {
      const organization = await store.organizations.create(name);
      const { ensureDefaultNamespace } = await import('../../src/sessions/bootstrap.js');
      await ensureDefaultNamespace(store, organization.org_id, Date.now());
      return { orgId: organization.org_id, apiKey: await createKey(organization.org_id) };
    },
    async request(method, path, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers };
      const key = requestOptions.apiKey === undefined ? apiKey : requestOptions.apiKey;
      if (key) headers.authorization = `Bearer ${key}`;
      if (requestOptions.namespace) headers['x-namespace'] = requestOptions.namespace;
      let body: string | undefined;
      if (requestOptions.body !== undefined) {
        headers['content-type'] = headers['content-type'] ?? 'application/json';
        body = typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
      }
      const response = await fetch(`${address}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // Non-JSON bodies (SSE, HTML) are returned as text.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await quarry.app.close();
      await dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
