/**
 * @module web/stats-panel
 * A session's numbers: messages, tokens, tool calls, average latency, and
 * how much of each quota is used (bars), refreshed after every answer.
 */
import { h, clear, bar, formatMs, formatNumber } from './dom.js';

const QUOTA_USE = [
  ['max_messages', 'messages', (session) => session.message_count],
  ['max_tokens_total', 'tokens', (session) => session.stats.total_tokens],
  ['max_tool_calls', 'tool calls', (session) => session.stats.total_tool_calls],
  [
    'max_session_duration_minutes',
    'minutes',
    (session) => Math.round((Date.now() - Date.parse(session.created_at)) / 60_000),
  ],
];

export function createStatsPanel(context, root) {
  const { client } = context;
  let shown = null;
  clear(root, h('p.muted', {}, 'Session stats appear here.'));

  async function show(sessionId) {
    shown = sessionId;
    const session = await client.sessions.get(sessionId).catch(() => null);
    if (!session || shown !== sessionId) return;
    const tile = (label, value, testid) =>
      h('div.tile', { testid }, h('span.tile-value', {}, value), h('span.tile-label', {}, label));
    const quotas = session.quotas ?? {};
    const quotaBars = QUOTA_USE.filter(([key]) => quotas[key]).map(([key, label, used]) => {
      const value = used(session);
      return bar(label, value, quotas[key], `${formatNumber(value)} / ${formatNumber(quotas[key])}`, `quota-${key}`);
    });
    clear(
      root,
      h('h3', {}, 'Session'),
      h(
        'div.tiles',
        {},
        tile('messages', formatNumber(session.stats.total_messages), 'stat-messages'),
        tile('tokens', formatNumber(session.stats.total_tokens), 'stat-tokens'),
        tile('tool calls', formatNumber(session.stats.total_tool_calls), 'stat-tool-calls'),
        tile('avg latency', formatMs(session.stats.avg_latency_ms), 'stat-latency'),
      ),
      h('h3', {}, 'Quotas'),
      quotaBars.length ? h('div.bars', {}, quotaBars) : h('p.muted', {}, 'No quotas: this session is unlimited.'),
      quotas.rate_limit_messages_per_minute
        ? h('p.muted', {}, `Rate limit: ${quotas.rate_limit_messages_per_minute} messages/minute`)
        : null,
      h('h3', {}, 'Agent'),
      h(
        'dl.kv-list',
        {},
        h('dt', {}, 'model'),
        h('dd', {}, session.effective_model),
        h('dt', {}, 'temperature'),
        h('dd', {}, String(session.agent_config.temperature ?? 0.7)),
        h('dt', {}, 'tools'),
        h('dd', {}, (session.agent_config.available_tools ?? ['default read + search']).join(', ')),
        h('dt', {}, 'status'),
        h('dd', {}, session.status),
        h('dt', {}, 'id'),
        h('dd.mono', {}, session.session_id),
      ),
    );
  }

  return { show };
}
