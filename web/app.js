/**
 * @module web/app
 * The playground's entry: connects with an API key (kept in sessionStorage
 * only, so closing the tab forgets it), then wires the views together
 * through one small event bus.
 */
import { createQuarryClient } from './client.js';
import { $, attempt, toast } from './dom.js';
import { createSessionsPanel } from './sessions-panel.js';
import { createChatView } from './chat-view.js';
import { createStatsPanel } from './stats-panel.js';
import { createDataView } from './data-view.js';
import { createRetrieverBuilder } from './retriever-builder.js';

const STORAGE_KEY = 'quarry.connection';

/** Shared by every view: the client, the namespace, and a bus for cross-view events. */
function createContext(client, namespace) {
  const bus = new EventTarget();
  return {
    client,
    namespace,
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
  start(createContext(client, namespace || 'default'));
}

function start(context) {
  $('#connect').hidden = true;
  $('#app').hidden = false;
  $('#namespace-badge').textContent = context.namespace;
  const sessions = createSessionsPanel(context, $('#sidebar'));
  const chat = createChatView(context, $('#chat'));
  const stats = createStatsPanel(context, $('#stats'));
  const data = createDataView(context, $('#data-view'));
  const builder = createRetrieverBuilder(context, $('#builder-view'));

  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      showView(tab.dataset.view);
      if (tab.dataset.view === 'data') data.refresh();
      if (tab.dataset.view === 'builder') builder.refresh();
    });
  }
  $('#toggle-sidebar').addEventListener('click', () => document.body.classList.toggle('sidebar-open'));
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
