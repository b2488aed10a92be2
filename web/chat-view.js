/**
 * @module web/chat-view
 * One session's conversation: history on open, then each answer rendered
 * as its events arrive (the client resumes dropped streams by itself).
 * Stop cancels the run on the server; the stream then ends with `done`.
 * With no session open, the first message creates one. A reloaded answer
 * gets its intent chip and tool latencies back from the run's event log.
 */
import { h, clear, attempt, toast, formatMs, formatNumber, icon } from './dom.js';
import {
  intentChip,
  thinkingCard,
  toolCard,
  retrieverCard,
  pipelineCard,
  renderAnswer,
  confirmationDialog,
} from './event-cards.js';

/** Reloaded answers whose intent and tool latencies are read back from their runs' events. */
const RESTORED_TURNS = 10;

/** done.finish_reason values that mean the answer is not whole: chip label and tooltip. */
const TRUNCATED = {
  length: ['truncated', 'The answer reached max_tokens and was cut off.'],
  content_filter: ['truncated', "The provider's content filter withheld the rest of the answer."],
  step_limit: ['step limit', 'The agent used all its steps (agent_config.max_steps) without finishing.'],
};

export function createChatView(context, root) {
  const { client } = context;
  let sessionId = null;
  let running = null; // { controller } while a stream is being read
  let openGeneration = 0;
  // Follow the answer as it grows, until the reader scrolls up to read something.
  let followBottom = true;

  const title = h('h2.chat-title', { testid: 'chat-title' }, 'No session');
  const subtitle = h('span.muted', { testid: 'chat-subtitle' });
  const stop = h('button.danger.small', { testid: 'stop-button', hidden: true, onclick: stopRun }, '■ Stop');
  const messages = h(
    'div.messages',
    {
      testid: 'messages',
      onwheel: () => {
        followBottom = isNearBottom();
      },
      ontouchmove: () => {
        followBottom = isNearBottom();
      },
    },
    emptyState(),
  );
  const input = h('textarea', {
    rows: 2,
    placeholder: 'Ask about your data…  (Ctrl+Enter to send)',
    testid: 'message-input',
    onkeydown: (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submit();
      }
    },
  });
  const send = h('button.primary', { testid: 'send-button', onclick: submit }, 'Send');
  clear(
    root,
    h('div.chat-head', {}, h('div', {}, title, subtitle), stop),
    messages,
    h('div.composer', {}, input, send),
  );

  function emptyState() {
    return h(
      'div.empty',
      {},
      h('p', {}, 'Ask a question below to start a new session, or pick one on the left.'),
      h('p.muted', {}, 'Try: “Find videos about machine learning”.'),
    );
  }

  async function open(id) {
    const generation = ++openGeneration;
    running?.controller.abort();
    sessionId = id;
    messages.replaceChildren(h('p.muted', {}, 'Loading…'));
    const [session, history] = await Promise.all([
      attempt(() => client.sessions.get(id)),
      attempt(() => client.sessions.history(id, { limit: 200 })),
    ]);
    if (generation !== openGeneration || !session) return;
    title.textContent = session.session_name || 'New session';
    subtitle.textContent = ` ${session.effective_model} · ${session.status}`;
    const writable = session.status !== 'terminated';
    input.disabled = !writable;
    send.disabled = !writable;
    messages.replaceChildren();
    if (history) renderHistory(history.messages, generation);
    if (!messages.children.length) messages.append(emptyState());
    // An answer still being written (e.g. after a page reload): join it where it is.
    if (session.active_message_id)
      follow(client.sessions.stream(id, { messageId: session.active_message_id, ...streamOptions() }), turn());
    // A write tool still waiting for approval (the page was closed while it asked): ask again.
    else if (session.pending_confirmations?.length) answerPending(id, session.pending_confirmations[0]);
    if (writable) input.focus();
  }

  function renderHistory(items, generation) {
    let current = null;
    const answered = [];
    for (const message of items) {
      if (message.role === 'user') {
        messages.append(userBubble(message.content));
        current = null;
      } else if (message.role === 'tool') {
        current ??= turn();
        if (message.content_type === 'tool_call')
          current.toolCall({
            tool_name: message.tool_name,
            tool_call_id: message.message_id,
            inputs: safeParse(message.tool_inputs),
          });
        else current.toolResultFromHistory(message);
      } else {
        current ??= turn();
        for (const execution of message.citations?.retriever_executions ?? []) current.retriever(execution);
        current.finalText(message.content, message.message_id, message.status);
        current.truncation(message.citations?.finish_reason);
        answered.push({ turn: current, messageId: message.message_id });
        current = null;
      }
    }
    scrollDown(true);
    void restoreDetails(answered.slice(-RESTORED_TURNS), generation);
  }

  /**
   * History rows hold no intent and no tool latency; each answer's run kept its events, so replay them
   * (the answer's message id is its run's id) and fill those in. A run whose events were pruned stays as it is.
   */
  async function restoreDetails(answered, generation) {
    for (const { turn: current, messageId } of answered) {
      if (generation !== openGeneration) return;
      const controller = new AbortController();
      let toolIndex = 0;
      try {
        for await (const event of client.sessions.stream(sessionId, { messageId, signal: controller.signal })) {
          if (generation !== openGeneration) return controller.abort();
          if (event.type === 'intent') current.intent(event.data);
          else if (event.type === 'tool_result') current.restoreLatency(toolIndex++, event.data.latency_ms);
        }
      } catch {
        // Pruned or unreachable: the card keeps what history gave it.
      }
    }
  }

  function userBubble(text) {
    return h('div.message.user', { testid: 'user-message' }, h('div.bubble', {}, text));
  }

  /** One assistant answer: a header line, the activity cards, the answer, and a footer. */
  function turn() {
    const head = h('div.turn-head');
    const activity = h('div.activity');
    const answer = h('div.answer', { testid: 'answer' });
    const footer = h('div.turn-footer');
    const element = h('div.message.assistant', { testid: 'assistant-message' }, head, activity, answer, footer);
    messages.querySelector('.empty')?.remove();
    messages.append(element);
    const tools = new Map();
    const collections = new Map();
    let thinking = null;
    let text = '';
    let frame = 0;
    const collectionOf = (documentId) => collections.get(documentId);
    const paint = () => {
      frame = 0;
      renderAnswer(answer, text, context, collectionOf);
      scrollDown();
    };
    return {
      element,
      intent: (data) => {
        if (!head.querySelector('[data-testid="intent-chip"]')) head.append(intentChip(data));
      },
      thinking(data) {
        if (!thinking) activity.append((thinking = thinkingCard()).element);
        thinking.add(data);
      },
      toolCall(data) {
        const card = toolCard(data);
        tools.set(data.tool_call_id, card);
        activity.append(card.element);
      },
      toolResult: (data) => tools.get(data.tool_call_id)?.finish(data),
      toolResultFromHistory(message) {
        const card = [...tools.values()].at(-1);
        card?.finish({
          success: message.tool_status === 'success',
          output: safeParse(message.tool_outputs),
          latency_ms: null,
        });
      },
      restoreLatency: (index, latency) => [...tools.values()][index]?.setLatency(latency),
      retriever(data) {
        for (const document of data.documents ?? []) collections.set(document.document_id, document.collection_id);
        activity.append(retrieverCard(data, context));
      },
      pipeline: (data) => activity.append(pipelineCard(data, context)),
      token(data) {
        text += data.content;
        frame ||= requestAnimationFrame(paint);
      },
      finalText(content, messageId, status) {
        text = content;
        paint();
        if (messageId) footer.append(feedback(messageId));
        if (status && status !== 'complete') footer.append(h('span.chip.warn', {}, status));
      },
      note: (content, kind = 'muted') => footer.append(h(`span.note.${kind}`, { testid: `note-${kind}` }, content)),
      done(data) {
        const usage = data.usage ? ` · ${formatNumber(data.usage.total_tokens)} tokens` : '';
        footer.append(
          h(
            'span.muted.stats-line',
            { testid: 'done-stats' },
            `${formatMs(data.latency_ms)} · ${data.tool_calls_made} tool call${data.tool_calls_made === 1 ? '' : 's'}${usage}`,
          ),
        );
        if (data.cancelled) footer.append(h('span.chip.warn', { testid: 'cancelled-chip' }, 'stopped'));
        this.truncation(data.finish_reason);
      },
      /** A truncated answer is shown as truncated, live (done.finish_reason) and from history (citations.finish_reason). */
      truncation(reason) {
        const label = TRUNCATED[reason];
        if (label) footer.append(h('span.chip.warn', { testid: 'truncated-chip', title: label[1] }, label[0]));
      },
    };
  }

  function feedback(messageId) {
    const buttons = ['positive', 'negative'].map((rating) =>
      h(
        'button.icon-button.feedback',
        {
          testid: `feedback-${rating}`,
          title: rating === 'positive' ? 'Helpful' : 'Not helpful',
          onclick: async () => {
            const result = await attempt(() => client.sessions.feedback(sessionId, messageId, rating));
            if (!result) return;
            for (const button of buttons)
              button.classList.toggle('chosen', button === buttons[rating === 'positive' ? 0 : 1]);
            toast(result.stored ? 'Thanks: this exchange will be remembered.' : 'Thanks for the feedback.', 'info');
          },
        },
        icon(rating === 'positive' ? 'thumb-up' : 'thumb-down', rating),
      ),
    );
    return h('span.feedback-group', {}, buttons);
  }

  function streamOptions() {
    const controller = new AbortController();
    running = { controller };
    return { signal: controller.signal, onReconnect: () => toast('Connection dropped: reconnecting…', 'info') };
  }

  async function submit() {
    const content = input.value.trim();
    if (!content || running) return;
    if (!sessionId) {
      // The first message of a fresh visit starts a session with the server's defaults.
      send.disabled = true;
      const created = await attempt(() => client.sessions.create({ agent_config: {} }));
      send.disabled = false;
      if (!created) return;
      sessionId = created.session_id;
      ++openGeneration;
      title.textContent = 'New session';
      context.emit('session-created', sessionId);
    }
    input.value = '';
    messages.querySelector('.empty')?.remove();
    messages.append(userBubble(content));
    scrollDown(true);
    await follow(client.sessions.send(sessionId, content, streamOptions()), turn());
  }

  /** Reads one stream into a turn; a confirmation continues it in the same turn. */
  async function follow(events, current) {
    const id = sessionId;
    stop.hidden = false;
    send.disabled = true;
    let confirmation = null;
    try {
      for await (const event of events) {
        const { data } = event;
        switch (event.type) {
          case 'intent':
            current.intent(data);
            break;
          case 'thinking':
            current.thinking(data);
            break;
          case 'tool_call':
            current.toolCall(data);
            break;
          case 'tool_result':
            current.toolResult(data);
            break;
          case 'retriever_execution':
            current.retriever(data);
            break;
          case 'pipeline_config':
            current.pipeline(data);
            break;
          case 'token':
            current.token(data);
            break;
          case 'message':
            current.finalText(data.content, data.message_id);
            break;
          case 'session_name':
            title.textContent = data.session_name;
            break;
          case 'confirmation_required':
            confirmation = event;
            break;
          case 'done':
            current.done(data);
            break;
          case 'error':
            current.note(data.message, 'error');
            toast(data.message);
            break;
        }
        scrollDown();
      }
    } catch (error) {
      current.note(error.message ?? String(error), 'error');
      toast(error);
    } finally {
      running = null;
      stop.hidden = true;
      send.disabled = false;
    }
    if (confirmation && id === sessionId) {
      const approved = await confirmationDialog(confirmation.data);
      if (approved === null) return current.note('Waiting for confirmation (it expires after 5 minutes).');
      current.note(approved ? `Approved ${confirmation.data.tool_name}` : `Denied ${confirmation.data.tool_name}`);
      return follow(
        client.sessions.confirm(id, confirmation.data.confirmation_id, approved, {
          after: confirmation.id,
          ...streamOptions(),
        }),
        current,
      );
    }
    context.emit('run-finished', id);
  }

  async function answerPending(id, pending) {
    const current = turn();
    const data = { ...pending, message: `The agent is waiting for approval to run ${pending.tool_name}.` };
    const approved = await confirmationDialog(data);
    if (approved === null || id !== sessionId)
      return current.note('Waiting for confirmation (it expires after 5 minutes).');
    current.note(approved ? `Approved ${pending.tool_name}` : `Denied ${pending.tool_name}`);
    await follow(client.sessions.confirm(id, pending.confirmation_id, approved, streamOptions()), current);
  }

  async function stopRun() {
    if (!sessionId) return;
    stop.disabled = true;
    await attempt(() => client.sessions.cancel(sessionId));
    stop.disabled = false;
  }

  function isNearBottom() {
    return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 160;
  }

  function scrollDown(force = false) {
    if (force) followBottom = true;
    if (followBottom) messages.scrollTop = messages.scrollHeight;
  }

  /** Stops reading any stream (the views are being replaced, e.g. for another namespace). */
  function close() {
    ++openGeneration;
    running?.controller.abort();
  }

  return {
    open,
    close,
    get sessionId() {
      return sessionId;
    },
  };
}

function safeParse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}
