/**
 * @module store/postgres/postgres-database
 * One small port over the two ways Quarry talks PostgreSQL: a `pg.Pool`
 * to a real server, or PGlite (PostgreSQL compiled to WebAssembly, used by
 * the tests to exercise the pgvector path in-process). Repositories only
 * see `query`, `transaction`, `listen` and `notify`, so both run the same
 * SQL. Values are always bound as `$n` parameters.
 */
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { InvalidInputError } from '../store-errors.js';

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs several statements (no parameters): migrations. */
  exec(sql: string): Promise<void>;
}

export interface PostgresDatabase extends Queryable {
  readonly driver: 'pg' | 'pglite';
  /** BEGIN … COMMIT on one connection; ROLLBACK when `work` throws. */
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  /** One connection for several statements outside a transaction (`CREATE INDEX CONCURRENTLY` must not run in one). */
  connection<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  /** LISTEN on a dedicated connection; the returned function stops listening. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** bigint (int8) columns hold epoch milliseconds and counts: safe as JavaScript numbers. */
const INT8_OID = 20;
const parseInt8 = (value: string) => Number(value);

export interface PoolOptions {
  max?: number;
  onError?: (error: Error) => void;
  /** Settings every connection starts with (`-c name=value …`, sent at connect: no extra round trip). */
  sessionOptions?: string;
}

export function fromPool(connectionString: string, options: PoolOptions = {}): PostgresDatabase {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types,
    ...(options.sessionOptions ? { options: options.sessionOptions } : {}),
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => options.onError?.(error));
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listener: Promise<pg.PoolClient> | null = null;
  // A broken connection can emit several errors, and one can arrive after close(): release each client once.
  const released = new WeakSet<pg.PoolClient>();
  const releaseOnce = (client: pg.PoolClient) => {
    if (released.has(client)) return false;
    released.add(client);
    client.release(true);
    return true;
  };

  const connectListener = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    client.on('notification', (message) => {
      for (const callback of listeners.get(message.channel) ?? []) callback(message.payload ?? '');
    });
    client.on('error', (error) => {
      options.onError?.(error);
      // Reconnect and re-LISTEN; notifications sent meanwhile are lost, which callers tolerate by also polling.
      if (!releaseOnce(client)) return;
      listener = null;
      if (listeners.size > 0) void ensureListener().catch((reason) => options.onError?.(reason as Error));
    });
    for (const channel of listeners.keys()) await client.query(`LISTEN ${quoteChannel(channel)}`);
    return client;
  };
  const ensureListener = () => (listener ??= connectListener());

  return {
    driver: 'pg',
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params).catch(rethrowInputError);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async <Row>(sql: string, params: unknown[] = []) => {
            const outcome = await client.query(sql, params).catch(rethrowInputError);
            return { rows: outcome.rows as Row[], rowCount: outcome.rowCount ?? 0 };
          },
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async connection(work) {
      const client = await pool.connect();
      try {
        return await work({
          query: async <Row>(sql: string, params: unknown[] = []) => {
            const outcome = await client.query(sql, params);
            return { rows: outcome.rows as Row[], rowCount: outcome.rowCount ?? 0 };
          },
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      const fresh = !listeners.has(channel);
      const set = listeners.get(channel) ?? new Set();
      set.add(onPayload);
      listeners.set(channel, set);
      const client = await ensureListener();
      if (fresh) await client.query(`LISTEN ${quoteChannel(channel)}`);
      return async () => {
        set.delete(onPayload);
      };
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      const client = await listener?.catch(() => null);
      listener = null;
      listeners.clear();
      if (client) releaseOnce(client);
      await pool.end();
    },
  };
}

export function fromPglite(database: PGlite): PostgresDatabase {
  return {
    driver: 'pglite',
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await database.query<Row>(sql, params).catch(rethrowInputError);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
    async exec(sql) {
      await database.exec(sql);
    },
    async transaction(work) {
      return database.transaction(async (transaction) =>
        work({
          query: async <Row>(sql: string, params: unknown[] = []) => {
            const result = await transaction.query<Row>(sql, params).catch(rethrowInputError);
            return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
          },
          exec: async (sql: string) => {
            await transaction.exec(sql);
          },
        }),
      );
    },
    async connection(work) {
      return work(this);
    },
    async listen(channel, onPayload) {
      const stop = await database.listen(channel, onPayload);
      return async () => stop();
    },
    async notify(channel, payload) {
      await database.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      // The PGlite instance belongs to whoever created it (tests share one across stores).
    },
  };
}

/**
 * Text PostgreSQL cannot store (the NUL character; SQLite takes it) is the client's input, not a
 * server failure: an input error naming it (a 400 over HTTP), from every query, instead of a 500.
 */
function rethrowInputError(error: unknown): never {
  const code = (error as { code?: string }).code;
  if (code === '22021' || code === '22P05')
    throw new InvalidInputError('Text may not contain the NUL character (\\u0000); remove it and send again.');
  throw error;
}

/** Channel names are chosen by code (fixed constants), never by users; this only guards the quoting. */
function quoteChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name '${channel}'`);
  return channel;
}

/** PostgreSQL's unique_violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: string; constraint?: string; message?: string };
  if (candidate?.code !== '23505') return false;
  return (
    constraint === undefined || candidate.constraint === constraint || String(candidate.message).includes(constraint)
  );
}
