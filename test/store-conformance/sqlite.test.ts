/** The store conformance suite against SQLite (a temporary data directory). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite/create-sqlite-store.js';
import { describeStoreConformance } from './store-conformance.js';

const dataDir = mkdtempSync(join(tmpdir(), 'quarry-conformance-'));

describeStoreConformance({
  name: 'sqlite',
  open: async () => createSqliteStore({ dataDir }),
  openSecond: async () => createSqliteStore({ dataDir }),
  crossProcessNotices: false,
  cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
});
