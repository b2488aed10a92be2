/**
 * @module web/data-view
 * Collections with their document counts, a documents table (search,
 * filter by field, paging by cursor) and drag-and-drop upload: JSONL,
 * JSON, CSV and text files become documents, sent in batches with a
 * progress bar.
 */
import { h, clear, attempt, toast, formatNumber, debounce } from './dom.js';
import { showDocument } from './event-cards.js';
import { parseUpload } from './upload-parser.js';

const BATCH_SIZE = 200;
const PAGE_SIZE = 25;

export function createDataView(context, root) {
  const { client } = context;
  let selected = null;
  let cursors = [null];

  const collectionList = h('ul.collection-list', { testid: 'collection-list' });
  const tableArea = h('div.table-area', { testid: 'documents-area' });
  clear(
    root,
    h(
      'div.data-layout',
      {},
      h(
        'aside.data-side',
        {},
        h(
          'div.sidebar-head',
          {},
          h('h2', {}, 'Collections'),
          h('button.small', { testid: 'new-collection-button', onclick: createCollection }, '+ New'),
        ),
        collectionList,
        dropZone(),
      ),
      tableArea,
    ),
  );

  async function refresh() {
    const page = await attempt(() => client.collections.list({}, { limit: 100 }));
    if (!page) return;
    clear(
      collectionList,
      page.results.length ? null : h('li.muted', {}, 'No collections yet: create one, then drop files below.'),
    );
    for (const collection of page.results) {
      collectionList.append(
        h(
          'li.collection-item',
          {
            testid: 'collection-item',
            class: selected === collection.collection_name ? 'selected' : '',
            onclick: () => select(collection.collection_name),
          },
          h('span', {}, collection.collection_name),
          h('span.count', { testid: 'collection-count' }, formatNumber(collection.document_count)),
        ),
      );
    }
    if (!selected && page.results[0]) select(page.results[0].collection_name);
  }

  function select(name) {
    selected = name;
    cursors = [null];
    for (const item of collectionList.children)
      item.classList.toggle('selected', item.firstChild?.textContent === name);
    renderTable();
  }

  const search = h('input.search', {
    type: 'search',
    placeholder: 'Full-text search',
    testid: 'document-search',
    oninput: debounce(() => {
      cursors = [null];
      loadPage(0);
    }, 300),
  });
  const filterField = h('input', { placeholder: 'field (e.g. level)', testid: 'filter-field' });
  const filterValue = h('input', {
    placeholder: 'value',
    testid: 'filter-value',
    onchange: () => {
      cursors = [null];
      loadPage(0);
    },
  });
  const body = h('tbody');
  const head = h('thead');
  const pager = h('div.pager');

  function renderTable() {
    clear(
      tableArea,
      h('div.table-tools', {}, h('h2', {}, selected), search, filterField, filterValue),
      h('div.table-scroll', {}, h('table.documents', { testid: 'documents-table' }, head, body)),
      pager,
    );
    loadPage(0);
  }

  async function loadPage(index) {
    const filters =
      filterField.value.trim() && filterValue.value.trim()
        ? { AND: [{ field: filterField.value.trim(), operator: 'eq', value: coerce(filterValue.value.trim()) }] }
        : null;
    const page = await attempt(() =>
      client.documents.list(
        selected,
        { search: search.value.trim() || null, filters, limit: PAGE_SIZE, cursor: cursors[index] ?? undefined },
        { include_total: true },
      ),
    );
    if (!page) return;
    const columns = pickColumns(page.results);
    clear(
      head,
      h(
        'tr',
        {},
        columns.map((column) => h('th', {}, column)),
      ),
    );
    clear(
      body,
      page.results.map((document) =>
        h(
          'tr',
          {
            testid: 'document-row',
            onclick: () => showDocument(context, document.document_id, document.collection_id),
          },
          columns.map((column) => h('td', { title: String(document[column] ?? '') }, cellText(document[column]))),
        ),
      ),
    );
    if (!page.results.length)
      body.append(h('tr', {}, h('td.muted', { colspan: columns.length || 1 }, 'No documents match.')));
    cursors[index + 1] = page.pagination.next_cursor;
    clear(
      pager,
      h('button.small', { disabled: index === 0, onclick: () => loadPage(index - 1) }, '← Prev'),
      h(
        'span.muted',
        {},
        `Page ${index + 1}${page.pagination.total !== null ? ` · ${formatNumber(page.pagination.total)} documents` : ''}`,
      ),
      h('button.small', { disabled: !page.pagination.has_more, onclick: () => loadPage(index + 1) }, 'Next →'),
    );
  }

  function dropZone() {
    const progress = h('progress', { max: 1, value: 0, hidden: true, testid: 'upload-progress' });
    const status = h(
      'p.muted.small-text',
      { testid: 'upload-status' },
      'Drop JSONL, JSON, CSV or text files here to add them to the selected collection.',
    );
    const picker = h('input', {
      type: 'file',
      multiple: true,
      hidden: true,
      testid: 'upload-input',
      onchange: () => upload([...picker.files]),
    });
    const zone = h(
      'div.drop-zone',
      {
        testid: 'drop-zone',
        onclick: () => picker.click(),
        ondragover: (event) => {
          event.preventDefault();
          zone.classList.add('over');
        },
        ondragleave: () => zone.classList.remove('over'),
        ondrop: (event) => {
          event.preventDefault();
          zone.classList.remove('over');
          upload([...event.dataTransfer.files]);
        },
      },
      h('strong', {}, '⇪ Upload'),
      status,
      progress,
      picker,
    );

    async function upload(files) {
      if (!selected) return toast('Select or create a collection first.');
      const documents = [];
      let stored = 0;
      let skipped = 0;
      for (const file of files) {
        if (/\.pdf$/i.test(file.name)) {
          toast(`${file.name}: PDFs are parsed on the server: use \`quarry ingest ${selected} ${file.name}\`.`);
          continue;
        }
        if (/\.tsv$/i.test(file.name)) {
          toast(`${file.name}: save it as CSV to upload it.`);
          continue;
        }
        if (/\.csv$/i.test(file.name)) {
          status.textContent = `Reading ${file.name}…`;
          const result = await attempt(() => uploadCsv(selected, file));
          if (result) {
            stored += result.created_count;
            skipped += result.skipped_existing;
          } else status.textContent = `${file.name} was not stored.`;
          continue;
        }
        const parsed = await attempt(async () => parseUpload(file.name, await file.text()));
        if (parsed) documents.push(...parsed);
      }
      progress.hidden = !documents.length;
      progress.max = documents.length;
      let done = 0;
      for (let start = 0; start < documents.length; start += BATCH_SIZE) {
        const batch = documents.slice(start, start + BATCH_SIZE);
        const result = await attempt(() => client.documents.createMany(selected, batch));
        if (!result) {
          status.textContent = `Stopped after ${done} of ${documents.length} documents.`;
          return;
        }
        done += batch.length;
        progress.value = done;
        status.textContent = `Uploaded ${done} of ${documents.length} documents…`;
      }
      stored += done;
      if (!stored && !skipped) return;
      const already = skipped ? ` (${skipped} already there)` : '';
      status.textContent = `Uploaded ${stored} documents to ${selected}${already}.`;
      toast(`Uploaded ${stored} documents`, 'info');
      await refresh();
      renderTable();
    }
    return zone;
  }

  /** A CSV goes to the server as text: it reads it as `quarry ingest` does (leading zeros, booleans, empty cells). */
  async function uploadCsv(collection, file) {
    const headers = { authorization: `Bearer ${context.apiKey}`, 'content-type': 'text/csv' };
    if (client.namespace) headers['x-namespace'] = client.namespace;
    const query = `file_name=${encodeURIComponent(file.name)}`;
    const url = `/v1/collections/${encodeURIComponent(collection)}/documents/upload?${query}`;
    const response = await fetch(url, { method: 'POST', headers, body: await file.text() });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`${file.name}: ${body?.error?.message ?? `HTTP ${response.status}`}`);
    return body;
  }

  async function createCollection() {
    const name = prompt('Collection name (letters, digits, _ and -):');
    if (!name) return;
    if (await attempt(() => client.collections.create({ collection_name: name.trim() }))) {
      selected = name.trim();
      await refresh();
      select(selected);
    }
  }

  return { refresh };
}

function pickColumns(documents) {
  const preferred = ['title', 'name', 'text', 'description'];
  const keys = new Set();
  for (const document of documents)
    for (const key of Object.keys(document))
      if (!['_internal', 'document_blobs', 'collection_id'].includes(key)) keys.add(key);
  const ordered = [
    ...preferred.filter((key) => keys.has(key)),
    ...[...keys].filter((key) => !preferred.includes(key) && key !== 'document_id'),
  ];
  return ['document_id', ...ordered.slice(0, 5)];
}

function cellText(value) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function coerce(text) {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
