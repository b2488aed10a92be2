/**
 * @module cli/chat-slash-commands
 * The `/` commands of `quarry chat` (/history, /sessions, /use, /new, /help,
 * /quit), which read and switch sessions through the typed client.
 */
import type { QuarryClient } from '../client/index.js';
import type { Palette } from './terminal-palette.js';

export const CHAT_HELP = `Commands:
  /history    show this session's conversation
  /sessions   list recent sessions (use one with /use <session_id>)
  /use ID     switch to another session
  /new        start a new session
  /help       this list
  /quit       leave (Ctrl-D works too)
Ctrl-C while an answer is streaming stops it; Ctrl-C twice at the prompt exits.`;

/** What a command reads and changes of the chat it runs in. */
export interface ChatContext {
  client: QuarryClient;
  out: (text: string) => void;
  colors: Palette;
  markdown: (text: string) => string;
  sessionId(): string;
  setSession(sessionId: string): void;
}

/** Runs one `/command` line; false when the chat should end. */
export async function runSlashCommand(line: string, chat: ChatContext): Promise<boolean> {
  const { client, out, colors, markdown } = chat;
  const [name, argument] = line.slice(1).trim().split(/\s+/, 2);
  switch (name) {
    case 'quit':
    case 'exit':
      return false;
    case 'help':
      out(`${CHAT_HELP}\n`);
      break;
    case 'new':
      chat.setSession(await newSession(client));
      out(colors.dim(`  new session ${chat.sessionId()}\n`));
      break;
    case 'use': {
      if (!argument) {
        out('  usage: /use <session_id>\n');
        break;
      }
      const session = await client.sessions.get(argument);
      chat.setSession(session.session_id);
      out(
        colors.dim(
          `  now in session ${session.session_id}${session.session_name ? ` · ${session.session_name}` : ''} · ${plural(session.message_count, 'message')} · ${session.status}\n`,
        ),
      );
      break;
    }
    case 'sessions': {
      const page = await client.sessions.list(
        { sort: { field: 'last_activity_at', direction: 'desc' } },
        { limit: 10 },
      );
      // message_count is the API's: every history item, so a question answered with one tool call is 4.
      out(colors.dim('  messages count every history item: questions, answers, tool calls and tool results\n'));
      for (const session of page.results) {
        const current = session.session_id === chat.sessionId() ? colors.green('*') : ' ';
        out(
          `${current} ${session.session_id}  ${session.session_name ?? colors.dim('(unnamed)')}  ${colors.dim(`${plural(session.message_count, 'message')} · ${session.status}`)}\n`,
        );
      }
      break;
    }
    case 'history': {
      const history = await client.sessions.history(chat.sessionId(), { limit: 200 });
      for (const message of history.messages) {
        if (message.role === 'user') out(`${colors.bold('you')} ${message.content}\n`);
        else if (message.role === 'assistant')
          out(
            `${colors.bold(colors.green('quarry'))}\n${message.content ? `${markdown(message.content)}\n` : colors.dim(`(${message.status ?? 'no answer'})\n`)}`,
          );
        else if (message.content_type === 'tool_call')
          out(colors.dim(`  ⚙ ${message.tool_name}${compactInputs(parse(message.tool_inputs))}\n`));
      }
      if (!history.messages.length) out(colors.dim('  (no messages yet)\n'));
      break;
    }
    default:
      out(`  unknown command /${name}; /help lists them\n`);
  }
  return true;
}

export async function newSession(client: QuarryClient): Promise<string> {
  return (await client.sessions.create({ agent_config: {} })).session_id;
}

/** A tool call's inputs on one short line. */
export function compactInputs(inputs: unknown): string {
  if (!inputs || typeof inputs !== 'object' || Object.keys(inputs).length === 0) return '';
  const text = JSON.stringify(inputs);
  return `(${text.length > 70 ? `${text.slice(0, 69)}…` : text})`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function parse(text: string | null): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
