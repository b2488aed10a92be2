/**
 * The store conformance suite (LangGraph's checkpoint-validation pattern):
 * one set of repository-level tests that every backend must pass. A backend
 * adds a small initializer (`*.test.ts` here) that calls this.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { seedTenants, type StoreBackend, type Tenants } from './conformance-fixtures.js';
import { recordsConformance } from './records-conformance.js';
import { runsConformance } from './runs-conformance.js';
import { filterConformance } from './filter-conformance.js';
import { payloadIndexConformance } from './payload-index-conformance.js';
import { searchConformance } from './search-conformance.js';
import { rankingConformance } from './ranking-conformance.js';
import { mcpServersConformance } from './mcp-servers-conformance.js';

export interface ConformanceContext {
  backend: StoreBackend;
  store(): Store;
  tenants(): Tenants;
}

export function describeStoreConformance(backend: StoreBackend): void {
  describe(`store conformance: ${backend.name}`, () => {
    let store: Store;
    let tenants: Tenants;
    beforeAll(async () => {
      store = await backend.open();
      tenants = await seedTenants(store);
    });
    afterAll(async () => {
      await store?.close();
      await backend.cleanup();
    });
    const context: ConformanceContext = { backend, store: () => store, tenants: () => tenants };
    recordsConformance(context);
    runsConformance(context);
    filterConformance(context);
    payloadIndexConformance(context);
    searchConformance(context);
    rankingConformance(context);
    mcpServersConformance(context);
  });
}
