/**
 * @module web/app
 * The playground's entry: connects with an API key (kept in sessionStorage
 * only, so closing the tab forgets it), then wires the views together
 * through one small event bus. The namespace picker in the top bar
 * rebuilds the views for another namespace with the same key.
 */
import { createQuarryClient } from './client.js';
import { $, h, attempt, icon, toast } from './dom.js';
import { createSessionsPanel } from './sessions-panel.js';
import { createChatView } from './chat-view.js';
import { createStatsPanel } from './stats-panel.js';
import { createDataView } from './data-view.js';
import { createRetrieverBuilder } from './retriever-builder.js';

const STORAGE_KEY = 'quarry.connection';
/** The views of the current namespace; the tabs (wired once) talk to whichever is current. */
let views = null;

/** Shared by every view: the client, the namespace, and a bus for cross-view events. */
function createContext(client, namespace, apiKey) {
  const bus = new EventTarget();
  return {
    client,
    namespace,
    // For the one call the client has no method for (the CSV upload sends text, not JSON).
    apiKey,
    emit: (name, detail) => bus.dispatchEvent(new CustomEvent(name, { detail })),
    on: (name, listener) => bus.addEventListener(name, (event) => listener(event.detail)),
    showView,
  };
}

function showView(name) {
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.view === name);
  for (const view of document.querySelectorAll('.view')) view.hidden = view.dataset.view !== name;
  document.body.classList.remove('sidebar-open');
}

async function connect(apiKey, namespace) {
  const client = createQuarryClient({ baseUrl: location.origin, apiKey, namespace: namespace || undefined });
  // One cheap call proves both the key and the namespace before the app opens.
  await client.namespaces.get(namespace || 'default');
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ apiKey, namespace }));
  start(createContext(client, namespace || 'default', apiKey), apiKey);
}

function start(context, apiKey) {
  $('#connect').hidden = true;
  $('#app').hidden = false;
  views?.chat.close();
  void fillNamespacePicker(context, apiKey);
  const sessions = createSessionsPanel(context, $('#sidebar'));
  const chat = createChatView(context, $('#chat'));
  const stats = createStatsPanel(context, $('#stats'));
  const data = createDataView(context, $('#data-view'));
  const builder = createRetrieverBuilder(context, $('#builder-view'));
  views = { chat, data, builder };
  const current = document.querySelector('.tab.active')?.dataset.view ?? 'chat';
  showView(current);
  if (current === 'data') data.refresh();
  if (current === 'builder') builder.refresh();

  context.on('session-created', (sessionId) => {
    sessions.showSelected(sessionId);
    stats.show(sessionId);
  });
  context.on('session-selected', (sessionId) => {
    document.body.classList.remove('sidebar-open');
    chat.open(sessionId);
    stats.show(sessionId);
  });
  context.on('run-finished', (sessionId) => {
    stats.show(sessionId);
    sessions.refreshOne(sessionId);
  });
  context.on('session-terminated', (sessionId) => {
    if (chat.sessionId === sessionId) chat.open(sessionId);
    stats.show(sessionId);
  });
  sessions.refresh();
}

/** The namespaces this key can use, in a picker that switches in place; listed again on focus (new ones appear). */
async function fillNamespacePicker(context, apiKey) {
  const picker = $('#namespace-select');
  const fill = async () => {
    const listed = await context.client.namespaces.list({}, { limit: 100 }).catch(() => null);
    const names = new Set([context.namespace, ...(listed?.results ?? []).map((namespace) => namespace.namespace_name)]);
    if ([...picker.options].map((option) => option.value).join() === [...names].sort().join()) return;
    picker.replaceChildren(...[...names].sort().map((name) => h('option', { value: name }, name)));
    picker.value = context.namespace;
  };
  picker.onfocus = fill;
  picker.onchange = () => attempt(() => connect(apiKey, picker.value));
  await fill();
}

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    showView(tab.dataset.view);
    if (tab.dataset.view === 'data') views?.data.refresh();
    if (tab.dataset.view === 'builder') views?.builder.refresh();
  });
}
$('#toggle-sidebar').addEventListener('click', () => document.body.classList.toggle('sidebar-open'));
// On a phone only the icon shows, so the top bar fits.
$('#disconnect').prepend(icon('log-out'));

function showConnect(message) {
  $('#app').hidden = true;
  $('#connect').hidden = false;
  if (message) toast(message);
  $('#api-key').focus();
}

$('#connect-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = $('[data-testid="connect-button"]');
  button.disabled = true;
  await attempt(() => connect($('#api-key').value.trim(), $('#namespace').value.trim()));
  button.disabled = false;
});

$('#disconnect').addEventListener('click', () => {
  sessionStorage.removeItem(STORAGE_KEY);
  location.reload();
});

const saved = sessionStorage.getItem(STORAGE_KEY);
if (saved) {
  const { apiKey, namespace } = JSON.parse(saved);
  $('#namespace').value = namespace || 'default';
  connect(apiKey, namespace).catch((error) => {
    sessionStorage.removeItem(STORAGE_KEY);
    showConnect(error);
  });
} else {
  showConnect();
}
