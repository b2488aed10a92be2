/**
 * @module telemetry/run-observer
 * The run service's observer, as metrics: runs active, runs ended by
 * outcome, messages accepted, and runs a quota ended mid-answer.
 */
import type { RunObserver } from '../sessions/run-service.js';
import type { QuarryMetrics, RunOutcome } from './quarry-metrics.js';

export function runObserver(metrics: QuarryMetrics): RunObserver {
  return {
    messageAccepted: () => metrics.messageAccepted(),
    runStarted: () => metrics.runStarted(),
    runEnded(terminal) {
      let outcome: RunOutcome = 'failed';
      if (terminal?.type === 'done') outcome = terminal.data.cancelled === true ? 'cancelled' : 'completed';
      else if (terminal?.type === 'confirmation_required') outcome = 'awaiting_confirmation';
      if (terminal?.type === 'error' && terminal.data.type === 'QuotaExceededError') metrics.rejected('quota', 'run');
      metrics.runEnded(outcome);
    },
  };
}
