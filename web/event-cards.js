/**
 * @module web/event-cards
 * How each agent event looks in a chat turn: the intent chip, thinking
 * lines, tool-call cards, retriever cards with their documents, the ad-hoc
 * pipeline with "Save as retriever", and the answer with linked citations.
 */
import { h, clear, attempt, toast, openDialog, pretty, formatMs, clipWords } from './dom.js';

/** Longest snippet shown under a retrieved document (the server sends at most 300 characters, cut at a word). */
const SNIPPET_CHARS = 300;

export function intentChip(data) {
  const confidence = typeof data.confidence === 'number' ? ` · ${Math.round(data.confidence * 100)}%` : '';
  return h('span.chip.intent', { testid: 'intent-chip', title: data.reasoning ?? '' }, `${data.intent}${confidence}`);
}

/** Collapsible list of the agent's thinking steps; one per turn, lines appended as they come. */
export function thinkingCard() {
  const list = h('ul.thinking-list');
  const summary = h('summary', {}, 'Thinking');
  const element = h('details.card.thinking', { testid: 'thinking-card' }, summary, list);
  return {
    element,
    add(data) {
      list.append(h('li', {}, data.message));
      summary.textContent = `Thinking · ${list.children.length} step${list.children.length === 1 ? '' : 's'}`;
    },
  };
}

export function toolCard(data) {
  const status = h('span.card-status.pending', {}, 'running…');
  const output = h('pre.code', {}, '');
  const element = h(
    'details.card.tool',
    { testid: 'tool-card', 'data-tool': data.tool_name },
    h('summary', {}, h('span.card-icon', {}, '⚙'), h('strong', {}, data.tool_name), status),
    h(
      'div.card-body',
      {},
      h('div.label', {}, 'Inputs'),
      h('pre.code', {}, pretty(data.inputs ?? {})),
      h('div.label', {}, 'Output'),
      output,
    ),
  );
  let outcome = 'running…';
  const setLatency = (latency) => {
    // A latency not known (yet) is left out rather than shown as "–".
    status.textContent = typeof latency === 'number' ? `${outcome} · ${formatMs(latency)}` : outcome;
  };
  return {
    element,
    setLatency,
    finish(result) {
      outcome = result.success ? 'ok' : 'failed';
      status.className = `card-status ${outcome}`;
      setLatency(result.latency_ms);
      const text = pretty(result.output ?? result.result ?? null);
      output.textContent = text.length > 20_000 ? `${text.slice(0, 20_000)}\n…` : text;
    },
  };
}

export function retrieverCard(data, context) {
  const documents = data.documents ?? [];
  const kind = data.is_adhoc ? 'ad hoc' : data.retriever_id;
  return h(
    'details.card.retriever',
    { testid: 'retriever-card', open: true },
    h(
      'summary',
      {},
      h('span.card-icon', {}, '⌕'),
      h('strong', {}, `Retriever · ${data.tool_name}`),
      h('span.chip', {}, kind),
      h(
        'span.card-status.ok',
        { testid: 'retriever-doc-count' },
        `${data.documents_returned} docs · ${formatMs(data.latency_ms)}`,
      ),
    ),
    h(
      'div.card-body',
      {},
      data.message ? h('p.muted', {}, data.message) : null,
      documents.length === 0
        ? h('p.muted', {}, 'No documents returned.')
        : h(
            'ol.doc-list',
            {},
            documents.map((document) =>
              h(
                'li.doc',
                { testid: 'retriever-document' },
                h(
                  'button.link.doc-title',
                  { onclick: () => showDocument(context, document.document_id, document.collection_id) },
                  document.title || document.document_id,
                ),
                h('span.score', { title: 'score' }, Number(document.score ?? 0).toFixed(4)),
                h('p.snippet', { testid: 'retriever-snippet' }, clipWords(document.snippet ?? '', SNIPPET_CHARS)),
              ),
            ),
          ),
    ),
  );
}

export function pipelineCard(data, context) {
  const config = data.config ?? {};
  const name = h('input', {
    placeholder: 'retriever name, e.g. ml_video_search',
    testid: 'save-retriever-name',
    value: '',
  });
  const save = h(
    'button.primary.small',
    {
      testid: 'save-retriever-button',
      onclick: async () => {
        const retrieverName = name.value.trim();
        if (!retrieverName) return toast('Type a name for the retriever first.');
        save.disabled = true;
        const retriever = await attempt(() =>
          context.client.retrievers.create({ ...config, retriever_name: retrieverName }),
        );
        save.disabled = false;
        if (retriever) {
          toast(`Saved retriever “${retriever.retriever_name}” (${retriever.retriever_id})`, 'info');
          clear(form, h('span.saved', { testid: 'saved-retriever' }, `✓ Saved as ${retriever.retriever_name}`));
        }
      },
    },
    'Save as retriever',
  );
  const form = h('div.save-row', {}, name, save);
  return h(
    'details.card.pipeline',
    { testid: 'pipeline-card' },
    h(
      'summary',
      {},
      h('span.card-icon', {}, '{ }'),
      h('strong', {}, 'Pipeline'),
      h('span.muted', {}, `${(config.stages ?? []).length} stages`),
    ),
    h('div.card-body', {}, h('p.muted', {}, data.message ?? ''), h('pre.code', {}, pretty(config)), form),
  );
}

/** Renders answer text: **bold**, line breaks, and `doc_…` ids as links that open the document. */
export function renderAnswer(target, text, context, collectionOf) {
  const fragment = document.createDocumentFragment();
  const pattern = /(\*\*[^*]+\*\*|\bdoc_[A-Za-z0-9]+\b)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) fragment.append(text.slice(last, match.index));
    const token = match[0];
    if (token.startsWith('**')) fragment.append(h('strong', {}, token.slice(2, -2)));
    else
      fragment.append(
        h(
          'a.citation',
          {
            href: '#',
            testid: 'citation',
            onclick: (event) => {
              event.preventDefault();
              showDocument(context, token, collectionOf(token));
            },
          },
          token,
        ),
      );
    last = match.index + token.length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  target.replaceChildren(fragment);
}

/** Opens a document; when its collection is unknown (an old citation), each collection is tried. */
export async function showDocument(context, documentId, collectionId) {
  const { client } = context;
  let document = null;
  if (collectionId) document = await client.documents.get(collectionId, documentId).catch(() => null);
  if (!document) {
    const collections = (await attempt(() => client.collections.list({}, { limit: 100 })))?.results ?? [];
    for (const collection of collections) {
      document = await client.documents.get(collection.collection_id, documentId).catch(() => null);
      if (document) break;
    }
  }
  if (!document) return toast(`Document ${documentId} was not found in this namespace.`);
  const { _internal: internal, document_blobs: _blobs, ...fields } = document;
  const rows = Object.entries(fields).map(([key, value]) =>
    h('tr', {}, h('th', {}, key), h('td', {}, typeof value === 'object' ? pretty(value) : String(value))),
  );
  await openDialog({
    title: fields.title ? String(fields.title) : documentId,
    testid: 'document-dialog',
    body: h(
      'div.document-view',
      {},
      h('table.kv', {}, rows),
      internal ? h('p.fineprint', {}, `created ${internal.created_at}`) : null,
    ),
    actions: [h('button.primary', { value: 'close' }, 'Close')],
  });
}

/** The approve/deny dialog for a write tool, with a countdown to `expires_at`. Resolves true, false, or null when it expired. */
export function confirmationDialog(data) {
  const countdown = h('span.countdown', { testid: 'confirmation-countdown' });
  const expires = Date.parse(data.expires_at);
  let dialogElement;
  const tick = () => {
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    countdown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`;
    if (left === 0) dialogElement?.close('expired');
  };
  tick();
  const timer = setInterval(tick, 1000);
  const result = openDialog({
    title: `Allow ${data.tool_name}?`,
    testid: 'confirmation-dialog',
    body: h('div', {}, h('p', {}, data.message), h('pre.code', {}, pretty(data.inputs ?? {})), countdown),
    actions: [
      h('button.ghost', { value: 'deny', testid: 'deny-button' }, 'Deny'),
      h('button.danger', { value: 'approve', testid: 'approve-button' }, 'Approve'),
    ],
  });
  dialogElement = document.querySelector('[data-testid="confirmation-dialog"]');
  return result.then((value) => {
    clearInterval(timer);
    if (value === 'expired') return null;
    return value === 'approve';
  });
}
