/**
 * @module bench/cost-growth
 * Section 4: does a message get slower as its session's history grows, and
 * does listing sessions get slower as a namespace fills up? History and
 * sessions are inserted directly through the store before Quarry starts
 * (building them over HTTP would take longer than the whole bench).
 */
import type { SqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import type { SessionRecord } from '../src/store/records.js';
import { newId } from '../src/lib/ids.js';
import { SESSION_TTL_MS } from '../src/sessions/session-status.js';
import { DEFAULT_SYSTEM_PROMPT } from '../src/sessions/session-service.js';
import type { ReportBuilder } from './report.js';
import { BENCH_MODEL, createSession, type QuarryProcess } from './quarry-process.js';
import { MESSAGE_CONTENT } from './message-overhead.js';
import { jsonRequest, streamRequest } from './sse-client.js';
import { figure, pairedRatio, percentile } from './statistics.js';

const SECTION = '4 growth';
export const GROWTH_ROUNDS = 5;
const PRIOR_ANSWER =
  'Here are five videos about machine learning, with the ids you can cite: doc_1, doc_2, doc_3, doc_4 and doc_5.';

function sessionRecord(
  orgId: string,
  namespaceId: string,
  index: number,
  createdAt: number,
  messageCount: number,
): SessionRecord {
  return {
    session_id: newId('ses'),
    org_id: orgId,
    namespace_id: namespaceId,
    user_id: `user_${index % 100}`,
    session_name: `Bench session ${index}`,
    agent_config: {
      model: BENCH_MODEL,
      temperature: 0.7,
      max_tokens: 4096,
      system_prompt: DEFAULT_SYSTEM_PROMPT,
      available_tools: null,
    },
    effective_model: BENCH_MODEL,
    quotas: null,
    user_memory: {},
    metadata: { tier: `tier_${index % 10}` },
    enable_memory: false,
    status: 'active',
    message_count: messageCount,
    total_tokens: 0,
    total_tool_calls: 0,
    total_latency_ms: 0,
    answered_runs: messageCount / 2,
    created_at: createdAt,
    updated_at: createdAt,
    last_activity_at: createdAt,
    expires_at: createdAt + SESSION_TTL_MS,
    terminated_at: null,
  };
}

/** Sessions in the default namespace holding `count` prior messages each, GROWTH_ROUNDS per count. */
export async function insertPriorMessages(
  store: SqliteStore,
  orgId: string,
  counts: number[],
): Promise<Map<number, string[]>> {
  const namespace = await store.namespaces.resolve({ orgId }, 'default');
  if (!namespace) throw new Error('default namespace missing');
  const scope = { orgId, namespaceId: namespace.namespace_id };
  const sessions = new Map<number, string[]>();
  const started = Date.now() - 3_600_000;
  for (const count of counts) {
    const ids: string[] = [];
    for (let round = 0; round < GROWTH_ROUNDS; round++) {
      const session = sessionRecord(orgId, scope.namespaceId, round, started, count);
      store.database.exec('BEGIN');
      await store.sessions.create(scope, session);
      for (let index = 0; index < count; index++) {
        const user = index % 2 === 0;
        await store.messages.append(scope, {
          message_id: newId('msg'),
          session_id: session.session_id,
          role: user ? 'user' : 'assistant',
          content: user ? `${MESSAGE_CONTENT} (${index})` : PRIOR_ANSWER,
          content_type: 'text',
          created_at: started + index,
        });
      }
      store.database.exec('COMMIT');
      ids.push(session.session_id);
    }
    sessions.set(count, ids);
  }
  return sessions;
}

/** A namespace per size holding that many sessions (10 tiers, 100 users), answering size → namespace name. */
export async function insertSessions(store: SqliteStore, orgId: string, sizes: number[]): Promise<Map<number, string>> {
  const namespaces = new Map<number, string>();
  const base = Date.now() - 86_400_000;
  for (const size of sizes) {
    const name = `bench_list_${size}`;
    const now = Date.now();
    const namespace = await store.namespaces.create(
      { orgId },
      {
        namespace_id: newId('ns', 16),
        namespace_name: name,
        description: 'bench: session listing',
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: now,
        updated_at: now,
      },
    );
    const scope = { orgId, namespaceId: namespace.namespace_id };
    for (let start = 0; start < size; start += 5000) {
      store.database.exec('BEGIN');
      for (let index = start; index < Math.min(size, start + 5000); index++)
        await store.sessions.create(scope, sessionRecord(orgId, scope.namespaceId, index, base + index * 10, 0));
      store.database.exec('COMMIT');
    }
    namespaces.set(size, name);
  }
  return namespaces;
}

async function messageTotals(quarry: QuarryProcess, sessionId: string, messages: number): Promise<number[]> {
  const totals: number[] = [];
  for (let index = 0; index < messages; index++) {
    const result = await streamRequest({
      url: `${quarry.url}/v1/agents/sessions/${sessionId}/messages`,
      headers: quarry.headers(),
      body: { content: MESSAGE_CONTENT },
    });
    if (result.terminal === 'done') totals.push(result.totalMs);
  }
  return totals;
}

export async function runCostGrowth(
  quarry: QuarryProcess,
  report: ReportBuilder,
  options: { quick: boolean; prior: Map<number, string[]>; listNamespaces: Map<number, string> },
): Promise<void> {
  const rounds = options.quick ? 3 : GROWTH_ROUNDS;
  const perSession = options.quick ? 5 : 10;
  const fresh: number[] = [];
  const byCount = new Map<number, number[]>();
  await messageTotals(quarry, await createSession(quarry), 5);
  for (let round = 0; round < rounds; round++) {
    // A fresh session measured in the same round is what each history length is divided by.
    fresh.push(percentile(await messageTotals(quarry, await createSession(quarry), perSession), 0.5));
    for (const [count, sessions] of options.prior) {
      const values = byCount.get(count) ?? [];
      values.push(percentile(await messageTotals(quarry, sessions[round], perSession), 0.5));
      byCount.set(count, values);
    }
  }
  report.add({ section: SECTION, metric: 'message total p50, fresh session', value: figure(fresh), unit: 'ms' });
  for (const [count, values] of byCount) {
    report.add({
      section: SECTION,
      metric: `message total p50, ${count.toLocaleString('en-US')} prior messages`,
      value: figure(values),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: `  ratio to a fresh session (${count.toLocaleString('en-US')} prior)`,
      value: pairedRatio(values, fresh),
      unit: '×',
    });
  }

  for (const [size, namespace] of options.listNamespaces) {
    const headers = quarry.headers(namespace);
    const url = `${quarry.url}/v1/agents/sessions/list`;
    const first = await jsonRequest({ url, method: 'POST', headers, body: { limit: 20 } });
    const cursor = (first.body as { pagination?: { next_cursor?: string | null } }).pagination?.next_cursor;
    if (first.status !== 200 || !cursor)
      throw new Error(`session list failed: ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
    const pages: Record<string, unknown> = {
      'first page (20, with total)': { limit: 20 },
      'filtered page (user_id, 1%)': { limit: 20, filters: { user_id: 'user_7' } },
      'filtered page (metadata.tier, 10%)': { limit: 20, filters: { metadata: { tier: 'tier_3' } } },
      'cursor page (after the first)': { limit: 20, cursor },
    };
    for (const [label, body] of Object.entries(pages)) {
      for (let warm = 0; warm < 5; warm++) await jsonRequest({ url, method: 'POST', headers, body });
      const runs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const samples: number[] = [];
        for (let index = 0; index < 20; index++) {
          const response = await jsonRequest({ url, method: 'POST', headers, body });
          if (response.status !== 200) throw new Error(`session list ${label} failed: ${response.status}`);
          samples.push(response.ms);
        }
        runs.push(percentile(samples, 0.5));
      }
      report.add({
        section: SECTION,
        metric: `list sessions @${size.toLocaleString('en-US')}: ${label} p50`,
        value: figure(runs),
        unit: 'ms',
      });
    }
  }
}
