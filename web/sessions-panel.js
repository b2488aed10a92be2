/**
 * @module web/sessions-panel
 * The sessions sidebar: the list endpoint with status filter, name search
 * and sort, paged by cursor as the list scrolls; create and terminate.
 */
import { h, clear, attempt, toast, openDialog, formatTime, debounce } from './dom.js';

const PAGE_SIZE = 25;
const SORTS = {
  'last_activity_at:desc': 'Recent activity',
  'created_at:desc': 'Newest',
  'created_at:asc': 'Oldest',
  'message_count:desc': 'Most messages',
  'session_name:asc': 'Name',
};

export function createSessionsPanel(context, root) {
  const { client } = context;
  const state = {
    status: '',
    search: '',
    sort: 'last_activity_at:desc',
    cursor: null,
    hasMore: true,
    loading: false,
    selected: null,
    generation: 0,
  };

  const search = h('input.search', {
    type: 'search',
    placeholder: 'Search by name',
    testid: 'session-search',
    oninput: debounce(() => {
      state.search = search.value.trim();
      refresh();
    }, 250),
  });
  const status = h(
    'select',
    {
      testid: 'session-status-filter',
      onchange: () => {
        state.status = status.value;
        refresh();
      },
    },
    ['', 'active', 'idle', 'archived', 'terminated'].map((value) => h('option', { value }, value || 'All statuses')),
  );
  const sort = h(
    'select',
    {
      testid: 'session-sort',
      onchange: () => {
        state.sort = sort.value;
        refresh();
      },
    },
    Object.entries(SORTS).map(([value, label]) => h('option', { value }, label)),
  );
  const list = h('ul.session-list', { testid: 'session-list' });
  const footer = h('div.list-footer.muted', { testid: 'session-list-footer' });
  const scroller = h(
    'div.session-scroll',
    {
      onscroll: () => {
        if (scroller.scrollTop + scroller.clientHeight > scroller.scrollHeight - 80) loadMore();
      },
    },
    list,
    footer,
  );

  clear(
    root,
    h(
      'div.sidebar-head',
      {},
      h('h2', {}, 'Sessions'),
      h('button.primary.small', { testid: 'new-session-button', onclick: createSession }, '+ New'),
    ),
    h('div.sidebar-filters', {}, search, h('div.row', {}, status, sort)),
    scroller,
  );

  async function refresh() {
    state.generation += 1;
    state.cursor = null;
    state.hasMore = true;
    state.loading = false;
    list.replaceChildren();
    await loadMore();
  }

  async function loadMore() {
    if (state.loading || !state.hasMore) return;
    state.loading = true;
    const generation = state.generation;
    footer.textContent = 'Loading…';
    const [field, direction] = state.sort.split(':');
    const page = await attempt(() =>
      client.sessions.list(
        {
          status: state.status || null,
          filters: state.search ? { session_name: state.search } : null,
          sort: { field, direction },
        },
        { limit: PAGE_SIZE, cursor: state.cursor ?? undefined, include_total: true },
      ),
    );
    if (generation !== state.generation) return; // A newer filter replaced this page.
    state.loading = false;
    if (!page) return void (footer.textContent = '');
    for (const session of page.results) list.append(item(session));
    state.cursor = page.pagination.next_cursor;
    state.hasMore = page.pagination.has_more && Boolean(state.cursor);
    footer.textContent =
      page.total === 0
        ? 'No sessions yet. Start one with “+ New”.'
        : state.hasMore
          ? ''
          : `${page.total ?? list.children.length} session${(page.total ?? list.children.length) === 1 ? '' : 's'}`;
    // A short first page leaves nothing to scroll: keep loading until the panel is full.
    if (state.hasMore && scroller.scrollHeight <= scroller.clientHeight) loadMore();
  }

  function item(session) {
    const name = session.session_name || 'New session';
    const element = h(
      'li.session-item',
      {
        testid: 'session-item',
        'data-session-id': session.session_id,
        class: session.session_id === state.selected ? 'selected' : '',
        onclick: () => select(session.session_id),
      },
      h('span.status-dot', { class: session.status, title: session.status }),
      h('span.session-name', {}, name),
      h('span.session-meta.muted', {}, `${session.message_count} msg · ${formatTime(session.last_activity_at)}`),
      session.status === 'terminated'
        ? null
        : h(
            'button.icon-button.terminate',
            {
              title: 'Terminate session',
              'aria-label': 'Terminate session',
              testid: 'terminate-session',
              onclick: (event) => {
                event.stopPropagation();
                terminate(session);
              },
            },
            '×',
          ),
    );
    return element;
  }

  function select(sessionId) {
    state.selected = sessionId;
    for (const element of list.children) element.classList.toggle('selected', element.dataset.sessionId === sessionId);
    context.emit('session-selected', sessionId);
  }

  async function refreshOne(sessionId) {
    const session = await client.sessions.get(sessionId).catch(() => null);
    const existing = list.querySelector(`[data-session-id="${sessionId}"]`);
    if (session && existing) existing.replaceWith(item(session));
  }

  async function terminate(session) {
    const confirmed = await openDialog({
      title: 'Terminate session?',
      testid: 'terminate-dialog',
      body: h(
        'p',
        {},
        `“${session.session_name || session.session_id}” will stop accepting messages. Its history stays readable.`,
      ),
      actions: [
        h('button.ghost', { value: 'cancel' }, 'Keep'),
        h('button.danger', { value: 'yes', testid: 'confirm-terminate' }, 'Terminate'),
      ],
    });
    if (!confirmed) return;
    if (await attempt(() => client.sessions.terminate(session.session_id))) {
      toast('Session terminated', 'info');
      await refreshOne(session.session_id);
      context.emit('session-terminated', session.session_id);
    }
  }

  async function createSession() {
    const tools = (await attempt(() => client.sessions.tools()))?.results ?? [];
    const field = (label, input) => h('label', {}, label, input);
    const number = (name, placeholder) =>
      h('input', { name, type: 'number', min: 1, placeholder, testid: `quota-${name}` });
    const model = h('input', {
      name: 'model',
      placeholder: 'server default (quarry-local)',
      testid: 'new-session-model',
    });
    const temperature = h('input', {
      name: 'temperature',
      type: 'number',
      min: 0,
      max: 2,
      step: 0.1,
      value: '0.7',
      testid: 'new-session-temperature',
    });
    const toolBoxes = tools.map((tool) =>
      h(
        'label.check',
        { title: tool.description },
        h('input', {
          type: 'checkbox',
          value: tool.name,
          checked: !tool.requires_confirmation && ['search', 'read'].includes(tool.category),
        }),
        tool.name,
        tool.requires_confirmation ? h('span.badge', {}, 'confirm') : null,
      ),
    );
    const quotas = [
      'max_messages',
      'max_tokens_total',
      'max_tool_calls',
      'max_session_duration_minutes',
      'rate_limit_messages_per_minute',
    ];
    const quotaInputs = quotas.map((name) => number(name, '∞'));
    const body = h(
      'div.form-grid',
      {},
      field('Model', model),
      field('Temperature', temperature),
      h('details', {}, h('summary', {}, `Tools (${tools.length})`), h('div.tool-grid', {}, toolBoxes)),
      h(
        'details',
        {},
        h('summary', {}, 'Quotas'),
        h(
          'div.quota-grid',
          {},
          quotas.map((name, index) => field(name.replaceAll('_', ' '), quotaInputs[index])),
        ),
      ),
    );
    const result = await openDialog({
      title: 'New session',
      body,
      testid: 'new-session-dialog',
      actions: [
        h('button.ghost', { value: 'cancel' }, 'Cancel'),
        h('button.primary', { value: 'create', testid: 'create-session-button' }, 'Create'),
      ],
    });
    if (!result) return;
    const chosenTools = toolBoxes
      .map((label) => label.querySelector('input'))
      .filter((input) => input.checked)
      .map((input) => input.value);
    const quotaValues = Object.fromEntries(
      quotas
        .map((name, index) => [name, quotaInputs[index].value ? Number(quotaInputs[index].value) : null])
        .filter(([, value]) => value !== null),
    );
    const created = await attempt(() =>
      client.sessions.create({
        agent_config: {
          model: model.value.trim() || undefined,
          temperature: Number(temperature.value || 0.7),
          available_tools: tools.length ? chosenTools : undefined,
        },
        quotas: Object.keys(quotaValues).length ? quotaValues : null,
      }),
    );
    if (!created) return;
    state.selected = created.session_id;
    await refresh();
    select(created.session_id);
  }

  /** Marks a session created elsewhere (the chat's first message) as the selected one, without reopening it. */
  async function showSelected(sessionId) {
    state.selected = sessionId;
    await refresh();
  }

  return { refresh, refreshOne, select, showSelected };
}
