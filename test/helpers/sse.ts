/**
 * Reads a text/event-stream response into frames, byte for byte as a
 * client would see them (comments kept apart). Streams read from the agent
 * endpoints are validated, event by event, against the published schemas.
 */
import { validAgentFrames } from './agent-events.js';

export interface SseFrame {
  id?: string;
  event?: string;
  data: any;
}

export function parseSse(text: string): { frames: SseFrame[]; comments: string[] } {
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const frame: Partial<SseFrame> & { dataLines: string[] } = { dataLines: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) frame.id = line.slice(4);
      else if (line.startsWith('event: ')) frame.event = line.slice(7);
      else if (line.startsWith('data: ')) frame.dataLines.push(line.slice(6));
    }
    if (frame.dataLines.length === 0) continue;
    const raw = frame.dataLines.join('\n');
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // `[DONE]` and other plain data stay text.
    }
    frames.push({ id: frame.id, event: frame.event, data });
  }
  return { frames, comments };
}

/** Parses a response; an agent event stream (`/v1/agents/…` answering text/event-stream) is validated too. */
async function readSse(url: string, response: Response) {
  const text = await response.text();
  const parsed = parseSse(text);
  if (
    new URL(url).pathname.startsWith('/v1/agents/') &&
    response.headers.get('content-type')?.startsWith('text/event-stream')
  )
    validAgentFrames(parsed.frames);
  return { status: response.status, headers: response.headers, text, ...parsed };
}

export async function postSse(url: string, apiKey: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return readSse(url, response);
}

export async function getSse(url: string, apiKey: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, ...headers } });
  return readSse(url, response);
}
