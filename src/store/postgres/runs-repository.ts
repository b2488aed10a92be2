/**
 * @module store/postgres/runs-repository
 * Runs and their event log, shared by every Quarry process on the database.
 * - One active run per session: the partial unique index decides; of two
 *   concurrent INSERTs (from any processes) one fails with unique_violation.
 * - Cross-process notices go over LISTEN/NOTIFY on one channel: appending an
 *   event notifies in the same statement (joiners elsewhere wake at once),
 *   and `requestCancel` asks the owning process to abort its live run.
 */
import { isUniqueViolation, type PostgresDatabase } from './postgres-database.js';
import type { RunNotice, Store } from '../store.js';
import type { RunEventRecord, RunRecord } from '../data-records.js';

export const RUN_CHANNEL = 'quarry_runs';
const SCOPE = 'org_id = $1 AND namespace_id = $2';
const ACTIVE = "status IN ('running', 'awaiting_confirmation')";
const COLUMNS =
  'run_id, session_id, user_message_id, status, idempotency_key, lease_owner, lease_expires_at, state, created_at, ended_at, org_id, namespace_id';

export interface PostgresRunsRepository {
  runs: Store['runs'];
  /** Delivers a NOTIFY payload from the shared listener to this store's subscribers. */
  deliver(payload: string): void;
}

export function createRunsRepository(database: PostgresDatabase): PostgresRunsRepository {
  const listeners = new Set<(notice: RunNotice) => void>();
  const active = async (orgId: string, namespaceId: string, sessionId: string) =>
    (
      await database.query<RunRecord>(`SELECT ${COLUMNS} FROM runs WHERE ${SCOPE} AND session_id = $3 AND ${ACTIVE}`, [
        orgId,
        namespaceId,
        sessionId,
      ])
    ).rows[0] ?? null;

  const runs: Store['runs'] = {
    async start(scope, run) {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await database.query(
            `INSERT INTO runs (run_id, session_id, org_id, namespace_id, user_message_id, status, idempotency_key, lease_owner, lease_expires_at, state, created_at, ended_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)`,
            [
              run.run_id,
              run.session_id,
              scope.orgId,
              scope.namespaceId,
              run.user_message_id,
              run.status,
              run.idempotency_key,
              run.lease_owner,
              run.lease_expires_at,
              run.state === null ? null : JSON.stringify(run.state),
              run.created_at,
              run.ended_at,
            ],
          );
          return { started: true as const };
        } catch (error) {
          if (!isUniqueViolation(error, 'runs_one_active_per_session')) throw error;
        }
        const existing = await active(scope.orgId, scope.namespaceId, run.session_id);
        if (existing) return { started: false as const, activeRunId: existing.run_id };
        // The blocking run ended between our INSERT and the lookup: try again.
      }
      throw new Error(`Could not start a run on session '${run.session_id}' after repeated conflicts`);
    },
    async get(scope, runId) {
      return (
        (
          await database.query<RunRecord>(`SELECT ${COLUMNS} FROM runs WHERE ${SCOPE} AND run_id = $3`, [
            scope.orgId,
            scope.namespaceId,
            runId,
          ])
        ).rows[0] ?? null
      );
    },
    async findByIdempotencyKey(scope, sessionId, key) {
      const { rows } = await database.query<RunRecord>(
        `SELECT ${COLUMNS} FROM runs WHERE ${SCOPE} AND session_id = $3 AND idempotency_key = $4`,
        [scope.orgId, scope.namespaceId, sessionId, key],
      );
      return rows[0] ?? null;
    },
    async active(scope, sessionId) {
      return active(scope.orgId, scope.namespaceId, sessionId);
    },
    async activeInNamespace(scope) {
      return (
        await database.query<RunRecord>(`SELECT ${COLUMNS} FROM runs WHERE ${SCOPE} AND ${ACTIVE}`, [
          scope.orgId,
          scope.namespaceId,
        ])
      ).rows;
    },
    async latest(scope, sessionId) {
      const { rows } = await database.query<RunRecord>(
        `SELECT ${COLUMNS} FROM runs WHERE ${SCOPE} AND session_id = $3 ORDER BY created_at DESC, run_seq DESC LIMIT 1`,
        [scope.orgId, scope.namespaceId, sessionId],
      );
      return rows[0] ?? null;
    },
    async setStatus(scope, runId, status, patch) {
      const sets = ['status = $4'];
      const values: unknown[] = [scope.orgId, scope.namespaceId, runId, status];
      if (patch.state !== undefined) {
        values.push(patch.state === null ? null : JSON.stringify(patch.state));
        sets.push(`state = $${values.length}::jsonb`);
      }
      if (patch.endedAt !== undefined) {
        values.push(patch.endedAt);
        sets.push(`ended_at = $${values.length}`);
      }
      await database.query(`UPDATE runs SET ${sets.join(', ')} WHERE ${SCOPE} AND run_id = $3`, values);
    },
    async renewLease(runIds, owner, expiresAt) {
      if (runIds.length === 0) return;
      await database.query(
        "UPDATE runs SET lease_owner = $1, lease_expires_at = $2 WHERE run_id = ANY($3::text[]) AND status = 'running'",
        [owner, expiresAt, runIds],
      );
    },
    async expired(now) {
      return (
        await database.query<RunRecord>(
          `SELECT ${COLUMNS} FROM runs WHERE status = 'running' AND lease_expires_at IS NOT NULL AND lease_expires_at < $1`,
          [now],
        )
      ).rows;
    },
    async appendEvent(runId, event) {
      // Insert and notify in one statement: one round trip per event, and the notice is sent only if the row was.
      await database.query(
        `WITH inserted AS (INSERT INTO run_events (run_id, seq, type, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING run_id)
         SELECT pg_notify($6, $7) FROM inserted`,
        [
          runId,
          event.seq,
          event.type,
          event.data,
          event.created_at,
          RUN_CHANNEL,
          JSON.stringify({ kind: 'event', runId }),
        ],
      );
    },
    async appendEvents(runId, events) {
      if (events.length === 0) return;
      // One statement per batch: unnest the columns, insert, and notify once.
      await database.query(
        `WITH inserted AS (
           INSERT INTO run_events (run_id, seq, type, data, created_at)
           SELECT $1, seq, type, data, created_at FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[]) AS batch(seq, type, data, created_at)
           RETURNING run_id)
         SELECT pg_notify($6, $7) FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row`,
        [
          runId,
          events.map((event) => event.seq),
          events.map((event) => event.type),
          events.map((event) => event.data),
          events.map((event) => event.created_at),
          RUN_CHANNEL,
          JSON.stringify({ kind: 'event', runId }),
        ],
      );
    },
    async events(runId, afterSeq) {
      return (
        await database.query<RunEventRecord>(
          'SELECT run_id, seq, type, data, created_at FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq',
          [runId, afterSeq],
        )
      ).rows;
    },
    async lastSeq(runId) {
      const { rows } = await database.query<{ seq: number | null }>(
        'SELECT MAX(seq) AS seq FROM run_events WHERE run_id = $1',
        [runId],
      );
      return Number(rows[0]?.seq ?? 0);
    },
    async requestCancel(scope, runId) {
      const { rowCount } = await database.query(`SELECT pg_notify($4, $5) FROM runs WHERE ${SCOPE} AND run_id = $3`, [
        scope.orgId,
        scope.namespaceId,
        runId,
        RUN_CHANNEL,
        JSON.stringify({ kind: 'cancel', runId }),
      ]);
      return rowCount > 0;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    runs,
    deliver(payload) {
      let notice: RunNotice;
      try {
        notice = JSON.parse(payload) as RunNotice;
      } catch {
        return;
      }
      if ((notice.kind !== 'cancel' && notice.kind !== 'event') || typeof notice.runId !== 'string') return;
      for (const listener of listeners) listener(notice);
    },
  };
}
