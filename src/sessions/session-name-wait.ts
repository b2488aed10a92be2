/**
 * @module sessions/session-name-wait
 * An unnamed session's name is generated while the agent answers. At the
 * run's end, `done` may wait for it a little (the naming wait) to send and
 * store it with the answer; a name that comes later is stored when it comes,
 * off the run (and dropped when the run was cancelled).
 */
import { sleep } from '../lib/sleep.js';
import type { GeneratedName } from './session-naming.js';
import type { ExecuteRunContext } from './execute-run.js';

type NameContext = Pick<ExecuteRunContext, 'store' | 'scope' | 'session' | 'live' | 'now' | 'log'>;

/** The name within `waitMs` (stored now, to send), else null; null at once when there is no name to wait for. */
export function createSessionNameWait(context: NameContext, name: Promise<GeneratedName> | null) {
  const { store, scope, session, live, now } = context;
  let nameStored = false;
  return async function nameInTime(waitMs: number): Promise<GeneratedName | null> {
    if (!name || nameStored) return null;
    const timer = new AbortController();
    const late = sleep(waitMs, { signal: timer.signal }).then(
      () => null,
      () => null,
    );
    const ready = await Promise.race([name, late]);
    timer.abort();
    if (ready) {
      nameStored = true;
      // The answer is already stored: a name that cannot be written must not fail the run.
      try {
        await store.sessions.setName(scope, session.session_id, ready.name);
      } catch (error) {
        context.log?.('storing the session name failed', { session_id: session.session_id, error: String(error) });
        return null;
      }
      return ready;
    }
    void name
      .then(async (generated) => {
        if (live.abort.signal.aborted && live.abort.signal.reason === 'cancelled') return;
        await store.sessions.setName(scope, session.session_id, generated.name);
        if (generated.tokens > 0) {
          const stats = { tokens: generated.tokens, toolCalls: 0, latencyMs: 0, messagesAdded: 0, runs: 0 };
          await store.sessions.recordRun(scope, session.session_id, stats, now());
        }
      })
      .catch((error) =>
        context.log?.('storing a late session name failed', { session_id: session.session_id, error: String(error) }),
      );
    return null;
  };
}
