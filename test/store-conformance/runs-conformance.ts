/**
 * Conformance: runs. One active run per session under concurrent starts
 * (from two stores over one database, as two processes), idempotency keys,
 * ordered event logs, lease expiry, and cross-process notices.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunNotice, Store } from '../../src/store/store.js';
import type { ConformanceContext } from './store-conformance.js';
import { runRecord, sessionRecord } from './conformance-fixtures.js';

export function runsConformance(context: ConformanceContext): void {
  describe('runs', () => {
    let second: Store | null = null;
    const secondStore = async () => (second ??= await context.backend.openSecond());
    afterAll(async () => {
      await second?.close();
    });

    it('starts exactly one of many concurrent runs on a session, from two processes', async () => {
      const store = context.store();
      const other = await secondStore();
      const { one } = context.tenants();
      const session = sessionRecord(one);
      await store.sessions.create(one, session);
      const attempts = Array.from({ length: 12 }, (_, index) =>
        runRecord(session.session_id, { run_id: `msg_race_${index}_${session.session_id}` }),
      );
      const outcomes = await Promise.all(
        attempts.map((run, index) => (index % 2 === 0 ? store : other).runs.start(one, run)),
      );
      const winners = outcomes.flatMap((outcome, index) => (outcome.started ? [attempts[index].run_id] : []));
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) if (!outcome.started) expect(outcome.activeRunId).toBe(winners[0]);
      expect((await other.runs.active(one, session.session_id))?.run_id).toBe(winners[0]);

      await store.runs.setStatus(one, winners[0], 'awaiting_confirmation', { state: { step: 2, text: 'partial' } });
      expect(await store.runs.start(one, runRecord(session.session_id))).toMatchObject({
        started: false,
        activeRunId: winners[0],
      });
      expect((await other.runs.get(one, winners[0]))?.state).toEqual({ step: 2, text: 'partial' });
      await other.runs.setStatus(one, winners[0], 'completed', { endedAt: Date.now(), state: null });
      const next = runRecord(session.session_id, { idempotency_key: 'key-1' });
      expect(await other.runs.start(one, next)).toEqual({ started: true });
      expect((await store.runs.findByIdempotencyKey(one, session.session_id, 'key-1'))?.run_id).toBe(next.run_id);
      expect((await store.runs.latest(one, session.session_id))?.run_id).toBe(next.run_id);
      await store.runs.setStatus(one, next.run_id, 'cancelled', { endedAt: Date.now() });
      expect(await store.runs.active(one, session.session_id)).toBeNull();
    });

    it('keeps the event log in order and reads it after any sequence number', async () => {
      const store = context.store();
      const { one } = context.tenants();
      const session = sessionRecord(one);
      await store.sessions.create(one, session);
      const run = runRecord(session.session_id);
      await store.runs.start(one, run);
      for (let seq = 1; seq <= 40; seq++)
        await store.runs.appendEvent(run.run_id, {
          seq,
          type: seq === 40 ? 'done' : 'token',
          data: JSON.stringify({ content: `t${seq}` }),
          created_at: seq,
        });
      const all = await store.runs.events(run.run_id, 0);
      expect(all.map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
      expect(all[0]).toMatchObject({ run_id: run.run_id, type: 'token', data: '{"content":"t1"}' });
      expect((await store.runs.events(run.run_id, 37)).map((event) => event.type)).toEqual(['token', 'token', 'done']);
      expect(await store.runs.lastSeq(run.run_id)).toBe(40);
      await expect(
        store.runs.appendEvent(run.run_id, { seq: 40, type: 'done', data: '{}', created_at: 1 }),
      ).rejects.toThrow();
    });

    it('finds runs whose lease expired, and renews leases of running ones only', async () => {
      const store = context.store();
      const { other } = context.tenants();
      const session = sessionRecord(other);
      await store.sessions.create(other, session);
      const run = runRecord(session.session_id, { lease_expires_at: 1_000 });
      await store.runs.start(other, run);
      const expired = await store.runs.expired(2_000);
      expect(expired.find((candidate) => candidate.run_id === run.run_id)).toMatchObject({
        org_id: other.orgId,
        namespace_id: other.namespaceId,
        lease_owner: 'test',
      });
      await store.runs.renewLease([run.run_id], 'owner-b', 5_000);
      expect((await store.runs.expired(2_000)).some((candidate) => candidate.run_id === run.run_id)).toBe(false);
      await store.runs.setStatus(other, run.run_id, 'failed', { endedAt: 3 });
      await store.runs.renewLease([run.run_id], 'owner-c', 9_000);
      expect(await store.runs.get(other, run.run_id)).toMatchObject({
        status: 'failed',
        lease_owner: 'owner-b',
        ended_at: 3,
      });
    });

    it('delivers cancel requests and event notices to subscribers', async () => {
      const store = context.store();
      const { one } = context.tenants();
      const session = sessionRecord(one);
      await store.sessions.create(one, session);
      const run = runRecord(session.session_id);
      await store.runs.start(one, run);
      const listener = context.backend.crossProcessNotices ? await secondStore() : store;
      const notices: RunNotice[] = [];
      const unsubscribe = listener.runs.subscribe((notice) => {
        if (notice.runId === run.run_id) notices.push(notice);
      });
      expect(await store.runs.requestCancel(one, run.run_id)).toBe(true);
      await store.runs.appendEvent(run.run_id, { seq: 1, type: 'token', data: '{}', created_at: 1 });
      const deadline = Date.now() + 5_000;
      while (notices.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      unsubscribe();
      expect(notices).toEqual([
        { kind: 'cancel', runId: run.run_id },
        { kind: 'event', runId: run.run_id },
      ]);
      await store.runs.setStatus(one, run.run_id, 'cancelled', { endedAt: 1 });
    });
  });
}
