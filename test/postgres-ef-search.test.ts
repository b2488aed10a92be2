/**
 * pgvector's candidate list is configurable (QUARRY_PG_EF_SEARCH → `hnswEfSearch`): every pooled connection starts
 * with it, so a vector search stays one round trip, and a value outside pgvector's range is refused at start.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { DEFAULT_EF_SEARCH } from '../src/store/postgres/vector-storage.js';
import { loadConfig } from '../src/config.js';
import { createTestDatabase, reportSkipped } from './helpers/postgres-server.js';

const database = await createTestDatabase('pgvector');

it('reads QUARRY_PG_EF_SEARCH (unset: the store default; out of range: refused)', () => {
  expect(loadConfig({}).pgEfSearch).toBeUndefined();
  expect(loadConfig({ QUARRY_PG_EF_SEARCH: '64' }).pgEfSearch).toBe(64);
  expect(() => loadConfig({ QUARRY_PG_EF_SEARCH: '0' })).toThrow();
});

if ('skipped' in database) {
  reportSkipped('postgres ef_search', database.skipped);
  describe.skip(`postgres ef_search — SKIPPED: ${database.skipped}`, () =>
    it('needs PostgreSQL with pgvector', () => undefined));
} else {
  describe('hnsw.ef_search on PostgreSQL', () => {
    afterAll(() => database.drop());

    it('starts every connection with the configured ef_search and iterative scans, and refuses nonsense', async () => {
      for (const [option, expected] of [
        [undefined, DEFAULT_EF_SEARCH],
        [37, 37],
      ] as const) {
        const store = await createPostgresStore({
          url: database.url,
          vectorExtension: 'require',
          hnswEfSearch: option,
        });
        try {
          const { rows } = await store.database.query<{ ef: string; scan: string }>(
            "SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS scan",
          );
          expect(rows[0]).toEqual({ ef: String(expected), scan: 'strict_order' });
          expect((store.index as unknown as { sessionHnswSettings: boolean }).sessionHnswSettings).toBe(true);
        } finally {
          await store.close();
        }
      }
      await expect(
        createPostgresStore({ url: database.url, vectorExtension: 'require', hnswEfSearch: 0 }),
      ).rejects.toThrow(/ef_search/);
    });

    it('behind a pooler that refuses the `options` startup parameter, connects without it and sets ef_search per search', async () => {
      const upstream = new URL(database.url);
      const refused: string[] = [];
      // PgBouncer's answer to a startup message it does not accept: an ErrorResponse, then the connection closes.
      const pooler = createServer((client: Socket) => {
        client.once('data', (startup: Buffer) => {
          if (startup.includes(Buffer.from('options\0'))) {
            refused.push('options');
            const fields = Buffer.from('SFATAL\0C08P01\0Munsupported startup parameter: options\0\0');
            const header = Buffer.alloc(5);
            header.write('E', 0);
            header.writeInt32BE(fields.length + 4, 1);
            client.end(Buffer.concat([header, fields]));
            return;
          }
          const server = connect(Number(upstream.port || 5432), upstream.hostname, () => server.write(startup));
          client.pipe(server).pipe(client);
          server.on('error', () => client.destroy());
          client.on('error', () => server.destroy());
        });
      });
      await new Promise<void>((resolve) => pooler.listen(0, '127.0.0.1', resolve));
      const proxied = new URL(database.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String((pooler.address() as AddressInfo).port);
      try {
        const store = await createPostgresStore({
          url: proxied.toString(),
          vectorExtension: 'require',
          hnswEfSearch: 37,
        });
        try {
          expect(refused.length).toBeGreaterThan(0);
          expect((store.index as unknown as { sessionHnswSettings: boolean }).sessionHnswSettings).toBe(false);
          const { rows } = await store.database.query<{ ef: string }>(
            "SELECT current_setting('hnsw.ef_search', true) AS ef",
          );
          expect(rows[0].ef).not.toBe('37');
        } finally {
          await store.close();
        }
      } finally {
        pooler.close();
      }
    });
  });
}
