/**
 * @module store/sqlite/runs-repository
 * Runs and their event log. The partial unique index on runs(session_id)
 * for active statuses is what makes "one run per session" atomic, across
 * processes too: a second INSERT fails instead of racing.
 */
import type { SqliteDatabase } from './open-database.js';
import type { RunNotice, Store } from '../store.js';
import type { RunEventRecord, RunRecord } from '../data-records.js';
import { parseJson } from './parse-json.js';

interface RunRow extends Omit<RunRecord, 'state'> {
  state: string | null;
}

function toRun(row: RunRow): RunRecord {
  return { ...row, state: parseJson(row.state, null) };
}

const SCOPE = 'org_id = ? AND namespace_id = ?';
const ACTIVE = "status IN ('running', 'awaiting_confirmation')";

export function createRunsRepository(db: SqliteDatabase): Store['runs'] {
  const insertEvent = db.prepare('INSERT INTO run_events (run_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)');
  // One transaction per batch: a commit per event was a third of a message's CPU.
  const insertEvents = db.transaction((runId: string, events: Omit<RunEventRecord, 'run_id'>[]) => {
    for (const event of events) insertEvent.run(runId, event.seq, event.type, event.data, event.created_at);
  });
  const eventsAfter = db.prepare('SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq');
  const activeRun = db.prepare(`SELECT * FROM runs WHERE ${SCOPE} AND session_id = ? AND ${ACTIVE}`);
  // One process owns the database file, so an in-process emitter carries every notice that matters.
  const listeners = new Set<(notice: RunNotice) => void>();
  const notify = (notice: RunNotice) => {
    for (const listener of listeners) listener(notice);
  };

  return {
    async start(scope, run) {
      const attempt = db.transaction(() => {
        const existing = activeRun.get(scope.orgId, scope.namespaceId, run.session_id) as RunRow | undefined;
        if (existing) return { started: false as const, activeRunId: existing.run_id };
        db.prepare(
          `INSERT INTO runs (run_id, session_id, org_id, namespace_id, user_message_id, status, idempotency_key, lease_owner, lease_expires_at, state, created_at, ended_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
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
        );
        return { started: true as const };
      });
      return attempt.immediate();
    },
    async get(scope, runId) {
      const row = db
        .prepare(`SELECT * FROM runs WHERE ${SCOPE} AND run_id = ?`)
        .get(scope.orgId, scope.namespaceId, runId) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    async findByIdempotencyKey(scope, sessionId, key) {
      const row = db
        .prepare(`SELECT * FROM runs WHERE ${SCOPE} AND session_id = ? AND idempotency_key = ?`)
        .get(scope.orgId, scope.namespaceId, sessionId, key) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    async active(scope, sessionId) {
      const row = activeRun.get(scope.orgId, scope.namespaceId, sessionId) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    async activeInNamespace(scope) {
      return (
        db.prepare(`SELECT * FROM runs WHERE ${SCOPE} AND ${ACTIVE}`).all(scope.orgId, scope.namespaceId) as RunRow[]
      ).map(toRun);
    },
    async latest(scope, sessionId) {
      const row = db
        .prepare(`SELECT * FROM runs WHERE ${SCOPE} AND session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`)
        .get(scope.orgId, scope.namespaceId, sessionId) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    async setStatus(scope, runId, status, patch) {
      const sets = ['status = ?'];
      const params: unknown[] = [status];
      if (patch.state !== undefined) {
        sets.push('state = ?');
        params.push(patch.state === null ? null : JSON.stringify(patch.state));
      }
      if (patch.endedAt !== undefined) {
        sets.push('ended_at = ?');
        params.push(patch.endedAt);
      }
      db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE ${SCOPE} AND run_id = ?`).run(
        ...params,
        scope.orgId,
        scope.namespaceId,
        runId,
      );
    },
    async renewLease(runIds, owner, expiresAt) {
      if (runIds.length === 0) return;
      db.prepare(
        `UPDATE runs SET lease_owner = ?, lease_expires_at = ? WHERE run_id IN (${runIds.map(() => '?').join(', ')}) AND status = 'running'`,
      ).run(owner, expiresAt, ...runIds);
    },
    async expired(now) {
      return (
        db
          .prepare(
            "SELECT * FROM runs WHERE status = 'running' AND lease_expires_at IS NOT NULL AND lease_expires_at < ?",
          )
          .all(now) as RunRow[]
      ).map(toRun);
    },
    async appendEvent(runId, event) {
      insertEvent.run(runId, event.seq, event.type, event.data, event.created_at);
      notify({ kind: 'event', runId });
    },
    async appendEvents(runId, events) {
      if (events.length === 0) return;
      insertEvents(runId, events);
      notify({ kind: 'event', runId });
    },
    async events(runId, afterSeq) {
      return eventsAfter.all(runId, afterSeq) as RunEventRecord[];
    },
    async lastSeq(runId) {
      const row = db.prepare('SELECT MAX(seq) AS seq FROM run_events WHERE run_id = ?').get(runId) as {
        seq: number | null;
      };
      return row.seq ?? 0;
    },
    async requestCancel(scope, runId) {
      const row = db
        .prepare(`SELECT 1 FROM runs WHERE ${SCOPE} AND run_id = ?`)
        .get(scope.orgId, scope.namespaceId, runId);
      if (!row) return false;
      notify({ kind: 'cancel', runId });
      return true;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
