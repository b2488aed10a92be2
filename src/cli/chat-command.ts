/**
 * @module cli/chat-command
 * `quarry chat`: a terminal conversation with a session through the typed
 * client (so it speaks plain HTTP and works against any Quarry). Answers
 * stream as they are written; tool calls and retriever executions take one
 * line each; write tools ask y/n. Answers are Markdown, rendered for the
 * terminal and wrapped at word boundaries. Ctrl-C during an answer stops
 * printing it at once and cancels the run on the server, not the program;
 * at the prompt, a second Ctrl-C exits.
 */
import { createInterface } from 'node:readline';
import { createQuarryClient, QuarryApiError, type QuarryEvent } from '../client/index.js';
import { createAnswerPrinter } from './answer-printer.js';
import { renderMarkdown } from './render-markdown.js';
import { compactInputs, newSession, runSlashCommand, type ChatContext } from './chat-slash-commands.js';
import { palette } from './terminal-palette.js';

export interface ChatOptions {
  url: string;
  apiKey?: string;
  session?: string;
  namespace?: string;
  /** Colors and cursor movement; off for pipes and with NO_COLOR (the caller decides from its config). */
  color?: boolean;
}

/** Answers wrap at the terminal's width, but no wider than reads comfortably. */
const MAX_ANSWER_WIDTH = 100;

export async function chatCommand(options: ChatOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  if (!options.apiKey) {
    process.stderr.write(
      'quarry chat needs an API key: pass --api-key sk_… or set QUARRY_API_KEY.\n' +
        'The server prints an admin key the first time it starts; `quarry keys create` makes another.\n',
    );
    return 2;
  }
  const colors = palette(options.color ?? false);
  const terminalOut = Boolean(process.stdout.isTTY);
  // A pseudo-terminal may report 0 columns: treat it as unknown.
  const width = () => Math.min(MAX_ANSWER_WIDTH, (process.stdout.columns || 80) - 1);
  const markdown = (text: string) => renderMarkdown(text, { width: width(), color: options.color ?? false });
  const client = createQuarryClient({ baseUrl: options.url, apiKey: options.apiKey, namespace: options.namespace });

  let sessionId: string;
  try {
    sessionId = options.session ? (await client.sessions.get(options.session)).session_id : await newSession(client);
  } catch (error) {
    process.stderr.write(`${describe(error, options.url)}\n`);
    return 1;
  }
  out(`${colors.bold('Quarry chat')} ${colors.dim(`· ${options.url} · session ${sessionId} · /help for commands`)}\n`);

  const terminal = Boolean(process.stdin.isTTY);
  const reader = createInterface({ input: process.stdin, output: process.stdout, terminal });
  const lines: string[] = [];
  let waiting: ((line: string | null) => void) | null = null;
  let closed = false;
  reader.on('line', (line) => (waiting ? (waiting(line), (waiting = null)) : lines.push(line)));
  reader.on('close', () => {
    closed = true;
    waiting?.(null);
  });
  const nextLine = (prompt: string): Promise<string | null> => {
    reader.setPrompt(prompt);
    reader.prompt();
    if (lines.length) return Promise.resolve(lines.shift()!);
    if (closed) return Promise.resolve(null);
    return new Promise((resolve) => (waiting = resolve));
  };

  // Ctrl-C: a terminal readline reports it as its own SIGINT event; piped input gets the process signal.
  let run: { controller: AbortController; cancelling: boolean } | null = null;
  // The answer being printed: Ctrl-C stops it at once, whatever the server still sends.
  let printer: ReturnType<typeof createAnswerPrinter> | null = null;
  let interruptedAtPrompt = false;
  const interrupt = () => {
    if (run && !run.cancelling) {
      run.cancelling = true;
      printer?.stop();
      out(colors.yellow('(stopping the answer…)\n'));
      client.sessions.cancel(sessionId).catch(() => run?.controller.abort());
    } else if (run) {
      run.controller.abort(); // A second Ctrl-C stops waiting for the server's confirmation of the cancel.
    } else if (interruptedAtPrompt) {
      out('\n');
      reader.close();
      closed = true;
      waiting?.(null);
    } else {
      interruptedAtPrompt = true;
      out(colors.dim('\n(press Ctrl-C again to exit, or type /quit)\n'));
      reader.prompt();
    }
  };
  reader.on('SIGINT', interrupt);
  process.on('SIGINT', interrupt);

  /** Prints one stream; returns the confirmation event it ended on, if any. */
  async function render(
    events: AsyncIterable<QuarryEvent>,
  ): Promise<Extract<QuarryEvent, { type: 'confirmation_required' }> | null> {
    let answering = false;
    let ended: Extract<QuarryEvent, { type: 'confirmation_required' }> | null = null;
    const calls = new Map<string, Record<string, unknown>>();
    const startAnswer = () => {
      if (answering) return;
      answering = true;
      out(`\n${colors.bold(colors.green('quarry'))}\n`);
      printer = createAnswerPrinter({
        write: out,
        width: width(),
        columns: process.stdout.columns || 80,
        color: options.color ?? false,
        live: terminalOut && (options.color ?? false),
      });
      if (run?.cancelling) printer.stop();
    };
    const endAnswer = () => {
      if (answering && printer && !printer.stopped) printer.end();
      answering = false;
    };
    for await (const event of events) {
      switch (event.type) {
        case 'intent':
          out(colors.dim(`  intent: ${event.data.intent} (${Math.round(event.data.confidence * 100)}%)\n`));
          break;
        case 'tool_call':
          calls.set(event.data.tool_call_id, event.data.inputs);
          break;
        case 'tool_result': {
          endAnswer();
          const mark = event.data.success ? colors.green('✓') : colors.red('✗');
          out(
            `  ${colors.cyan('⚙')} ${event.data.tool_name}${colors.dim(compactInputs(calls.get(event.data.tool_call_id)))} ${mark} ${colors.dim(`${Math.round(event.data.latency_ms)} ms`)}\n`,
          );
          break;
        }
        case 'retriever_execution': {
          const source = event.data.is_adhoc ? 'ad hoc' : event.data.retriever_id;
          out(
            `  ${colors.cyan('⌕')} ${event.data.tool_name} → ${event.data.documents_returned} docs ${colors.dim(`(${source}, ${Math.round(event.data.latency_ms)} ms)`)}\n`,
          );
          break;
        }
        case 'pipeline_config':
          out(
            colors.dim(
              `  pipeline: ${(event.data.config.stages as unknown[] | undefined)?.length ?? 0} stages (save it as a retriever with POST /v1/retrievers)\n`,
            ),
          );
          break;
        case 'token':
          startAnswer();
          printer!.push(event.data.content);
          break;
        case 'message':
          if (!answering && event.data.content) {
            startAnswer();
            printer!.push(event.data.content);
          }
          break;
        case 'confirmation_required':
          endAnswer();
          ended = event;
          break;
        case 'done': {
          endAnswer();
          const usage = event.data.usage ? ` · ${event.data.usage.total_tokens} tokens` : '';
          // Stopped here but finished on the server first: the whole answer is stored.
          const note = event.data.cancelled
            ? ' · stopped'
            : run?.cancelling
              ? ' · stopped here; the whole answer is in /history'
              : truncationNote(event.data.finish_reason);
          const stopped = note ? colors.yellow(note) : '';
          out(
            colors.dim(
              `  (${Math.round(event.data.latency_ms ?? 0)} ms · ${event.data.tool_calls_made ?? 0} tool call${event.data.tool_calls_made === 1 ? '' : 's'}${usage})`,
            ) +
              stopped +
              '\n',
          );
          break;
        }
        case 'error':
          endAnswer();
          out(colors.red(`  error: ${event.data.message}\n`));
          break;
        default:
          break; // thinking and session_name stay out of the way in a terminal.
      }
    }
    endAnswer();
    return ended;
  }

  async function ask(content: string) {
    let events: AsyncIterable<QuarryEvent> = client.sessions.send(sessionId, content, streamOptions());
    for (;;) {
      const confirmation = await render(events).finally(() => (run = null));
      if (!confirmation) return;
      const { data } = confirmation;
      out(`${colors.yellow('?')} ${data.message}\n  ${colors.dim(JSON.stringify(data.inputs))}\n`);
      const answer = await nextLine(`Allow ${data.tool_name}? [y/N] `);
      const approved = /^y(es)?$/i.test((answer ?? '').trim());
      events = client.sessions.confirm(sessionId, data.confirmation_id, approved, {
        after: confirmation.id,
        ...streamOptions(),
      });
    }
  }

  function streamOptions() {
    const controller = new AbortController();
    run = { controller, cancelling: false };
    return { signal: controller.signal, onReconnect: () => out(colors.dim('  (connection dropped, resuming…)\n')) };
  }

  const chat: ChatContext = {
    client,
    out,
    colors,
    markdown,
    sessionId: () => sessionId,
    setSession: (id) => (sessionId = id),
  };
  let code = 0;
  for (;;) {
    const line = await nextLine(`${colors.bold('you')} › `);
    if (line === null) break;
    interruptedAtPrompt = false;
    const text = line.trim();
    if (!text) continue;
    try {
      if (text.startsWith('/')) {
        if (!(await runSlashCommand(text, chat))) break;
      } else {
        await ask(text);
      }
    } catch (error) {
      out(colors.red(`  ${describe(error, options.url)}\n`));
      if (QuarryApiError.is(error) && error.status === 401) {
        code = 1;
        break;
      }
    }
  }
  process.off('SIGINT', interrupt);
  reader.close();
  return code;
}

function describe(error: unknown, url: string): string {
  if (QuarryApiError.is(error)) return `${error.message} (${error.type}, HTTP ${error.status})`;
  const message = error instanceof Error ? error.message : String(error);
  return /fetch failed|ECONNREFUSED/.test(message)
    ? `Cannot reach Quarry at ${url}: is \`quarry serve\` running? (${message})`
    : message;
}

/** A truncated answer is said to be truncated (done.finish_reason). */
function truncationNote(reason: string | undefined): string {
  if (reason === 'length') return ' · truncated: the answer hit max_tokens';
  if (reason === 'content_filter') return " · truncated by the provider's content filter";
  if (reason === 'step_limit') return ' · stopped at the step limit';
  return '';
}
