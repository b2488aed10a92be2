/**
 * Closing a PostgreSQL store while the server ends its connections (a database dropped WITH (FORCE) right
 * after, as tests and operators do): the LISTEN connection's last error may arrive after close() released
 * it, and its handler must not release it again — that threw "Release called on client which has already
 * been released to the pool" as an uncaught exception.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { createTestDatabase, reportSkipped } from './helpers/postgres-server.js';

const database = await createTestDatabase('exact');
if ('skipped' in database) reportSkipped('store close', database.skipped);

describe.skipIf('skipped' in database)('closing a PostgreSQL store', () => {
  it('ignores an error the LISTEN connection reports after close() released it', async () => {
    if ('skipped' in database) return;
    // Every client the pools hand out, so the test can play the server's late error on the LISTEN one.
    const clients: pg.PoolClient[] = [];
    const connect = pg.Pool.prototype.connect as (
      this: pg.Pool,
      callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: unknown) => void,
    ) => Promise<pg.PoolClient> | undefined;
    pg.Pool.prototype.connect = function (
      this: pg.Pool,
      callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: unknown) => void,
    ) {
      // pg-pool's own query() connects with a callback; callers await the promise form.
      if (callback) {
        return connect.call(this, (error, client, done) => {
          if (client) clients.push(client);
          callback(error, client, done);
        });
      }
      return connect.call(this)!.then((client) => {
        clients.push(client);
        return client;
      });
    } as typeof pg.Pool.prototype.connect;
    try {
      const store = await createPostgresStore({ url: database.url, vectorExtension: 'off' });
      await store.close();
      // The server's "terminating connection" on every connection the store had, the LISTEN one among them.
      expect(clients.length).toBeGreaterThan(0);
      for (const client of clients)
        expect(() =>
          client.emit('error', new Error('terminating connection due to administrator command')),
        ).not.toThrow();
    } finally {
      pg.Pool.prototype.connect = connect as typeof pg.Pool.prototype.connect;
      await database.drop();
    }
  });
});
