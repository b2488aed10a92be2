/**
 * @module telemetry/instrument-store
 * The store as the rest of Quarry sees it, measured: the event-log flush
 * latency always (a metric), and, when tracing is on, a span around every
 * repository and search-index call (the hot path of a message run: session
 * and message reads, run and event writes, searches). With tracing off only
 * `runs.appendEvents` is wrapped.
 */
import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { Store } from '../store/store.js';
import { failSpan, type Telemetry } from './telemetry.js';

const REPOSITORIES = [
  'apiKeys',
  'namespaces',
  'sessions',
  'messages',
  'collections',
  'documents',
  'retrievers',
  'executions',
  'runs',
  'confirmations',
  'feedback',
  'memories',
  'mcpServers',
] as const;
/** Called on timers or for every subscriber; spans there would be noise without a request to belong to. */
const UNTRACED = new Set(['subscribe', 'renewLease', 'expired']);

export function instrumentStore(store: Store, telemetry: Telemetry): Store {
  const { tracer, metrics } = telemetry;
  const timedRuns: Store['runs'] = {
    ...store.runs,
    async appendEvents(runId, events) {
      const started = performance.now();
      try {
        return await store.runs.appendEvents(runId, events);
      } finally {
        metrics.eventLogFlush((performance.now() - started) / 1000);
      }
    },
  };
  if (!tracer)
    return new Proxy(store, {
      get: (target, property, receiver) => (property === 'runs' ? timedRuns : Reflect.get(target, property, receiver)),
    });
  const traced = new Map<PropertyKey, unknown>();
  for (const name of REPOSITORIES) {
    const repository = name === 'runs' ? timedRuns : (store as unknown as Record<string, object | undefined>)[name];
    if (repository) traced.set(name, traceMethods(tracer, `store.${name}`, repository, store.kind));
  }
  traced.set('index', traceMethods(tracer, 'store.index', store.index, store.kind));
  return new Proxy(store, {
    get: (target, property, receiver) =>
      traced.has(property) ? traced.get(property) : Reflect.get(target, property, receiver),
  });
}

/** A view of `target` whose methods run inside client spans named `<prefix>.<method>`. */
function traceMethods<T extends object>(tracer: Tracer, prefix: string, target: T, system: string): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string' || UNTRACED.has(property))
        return typeof value === 'function' ? value.bind(object) : value;
      let method = wrapped.get(property);
      if (!method) {
        const name = `${prefix}.${property}`;
        method = function (this: unknown, ...args: unknown[]) {
          const span = tracer.startSpan(name, {
            kind: SpanKind.CLIENT,
            attributes: {
              'db.system.name': system === 'postgres' ? 'postgresql' : 'sqlite',
              'db.operation.name': property,
            },
          });
          try {
            const result = (value as (...parameters: unknown[]) => unknown).apply(object, args);
            if (result instanceof Promise) {
              return result.then(
                (resolved) => (span.end(), resolved),
                (error) => {
                  failSpan(span, error);
                  span.end();
                  throw error;
                },
              );
            }
            span.end();
            return result;
          } catch (error) {
            failSpan(span, error);
            span.end();
            throw error;
          }
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}
