/**
 * @module web/dom
 * Tiny DOM helpers for the playground: element builder, toasts, dialogs,
 * formatting. No framework: the page is small and must load with no build.
 */

/**
 * h('div.card', { testid: 'x', onclick }, child, 'text') → HTMLElement.
 * Attributes: `testid` → data-testid, `on*` functions → listeners, `class`, others → setAttribute.
 */
export function h(tag, attributes = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const element = document.createElement(name || 'div');
  if (classes.length) element.className = classes.join(' ');
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'testid') element.dataset.testid = value;
    else if (key === 'class') element.className += ` ${value}`;
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'value') element.value = value;
    else if (key === 'text') element.textContent = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Shows the server's own error message: it says what to fix. */
export function toast(message, kind = 'error') {
  const text = typeof message === 'string' ? message : describeError(message);
  const item = h(`div.toast.${kind}`, { testid: `toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  $('#toasts').append(item);
  setTimeout(() => item.classList.add('leaving'), kind === 'error' ? 6000 : 3000);
  setTimeout(() => item.remove(), kind === 'error' ? 6400 : 3400);
}

export function describeError(error) {
  if (error && typeof error === 'object' && error.isQuarryApiError)
    return `${error.message} (${error.type}, ${error.status})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Runs an async action, reporting failures as toasts; returns undefined on failure. */
export async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    toast(error);
    return undefined;
  }
}

/** A modal <dialog>; resolves with the value the form returns, or null when dismissed. */
export function openDialog({ title, body, actions, testid }) {
  return new Promise((resolve) => {
    const dialog = h('dialog.dialog', { testid });
    const form = h('form', { method: 'dialog' }, h('h2', {}, title), body, h('div.dialog-actions', {}, actions));
    dialog.append(form);
    // Dismiss buttons must not submit: Enter in a field should pick the main action, not "Cancel".
    for (const button of form.querySelectorAll('button[value="cancel"]')) {
      button.type = 'button';
      button.addEventListener('click', () => dialog.close('cancel'));
    }
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue && dialog.returnValue !== 'cancel' ? dialog.returnValue : null);
    });
    dialog.showModal();
  });
}

export function formatNumber(value) {
  if (value === null || value === undefined) return '–';
  return Number(value).toLocaleString('en-US');
}

export function formatMs(value) {
  if (value === null || value === undefined) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function pretty(value) {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

export function debounce(action, milliseconds) {
  let timer;
  return (...parameters) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(...parameters), milliseconds);
  };
}

/** A horizontal bar: label, filled share of `max`, value text. Used by stats and the stage chart. */
export function bar(label, value, max, text, testid) {
  const share = max > 0 ? Math.min(1, value / max) : 0;
  return h(
    'div.bar-row',
    { testid },
    h('span.bar-label', { title: label }, label),
    h('span.bar-track', {}, h('span.bar-fill', { style: `width:${(share * 100).toFixed(1)}%` })),
    h('span.bar-value', {}, text),
  );
}

const ICONS = {
  // Thumbs drawn as paths: an emoji glyph renders as an empty box where no emoji font is installed.
  'thumb-up':
    'M7 10v11H3V10h4Zm2 11h8.2a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 18.6 10H14l.8-4.2A1.9 1.9 0 0 0 13 3.6L9 10v11Z',
  'thumb-down':
    'M17 14V3h4v11h-4Zm-2-11H6.8a2 2 0 0 0-2 1.6l-1.4 7A2 2 0 0 0 5.4 14H10l-.8 4.2a1.9 1.9 0 0 0 1.8 2.2L15 14V3Z',
  'log-out': 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9',
};

/** An inline SVG icon (currentColor), the same on every system. */
export function icon(name, label) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.8');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  if (label) svg.dataset.icon = label;
  return svg;
}

/** Text cut at a word boundary with "…" when longer than `max` (never mid-word, never silently). */
export function clipWords(text, max) {
  const value = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (value.length <= max) return value;
  const cut = value.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.5 ? cut.slice(0, space) : value.slice(0, max)).replace(/[\s,;:.–—-]+$/, '')}…`;
}
