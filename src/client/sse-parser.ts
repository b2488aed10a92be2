/**
 * @module client/sse-parser
 * An incremental Server-Sent Events parser (the WHATWG event-stream rules):
 * input may be cut anywhere (inside a line, inside a CRLF pair, inside a
 * multi-byte character), lines end in LF, CR or CRLF, `:` lines are
 * comments (heartbeats), and several `data:` lines join with a newline.
 * It only uses TextDecoder and ReadableStream, so it runs in browsers too.
 */

export interface SseFrame {
  /** The `id:` of this frame, or undefined when the frame carried none. */
  id?: string;
  /** The `event:` name; the standard's default is "message". */
  event: string;
  data: string;
}

export interface SseParser {
  /** Feeds text; returns the frames completed by it. */
  push(text: string): SseFrame[];
  /** Comments seen so far (e.g. `ping`), for callers that watch liveness. */
  readonly comments: number;
}

export function createSseParser(onComment?: (text: string) => void): SseParser {
  let buffer = '';
  // A chunk that ends in CR may be followed by the LF of the same line break.
  let skipLeadingLineFeed = false;
  let dataLines: string[] = [];
  let event = '';
  let id: string | undefined;
  let comments = 0;

  function dispatch(frames: SseFrame[]) {
    if (dataLines.length > 0) frames.push({ id, event: event || 'message', data: dataLines.join('\n') });
    dataLines = [];
    event = '';
    id = undefined;
  }

  function processLine(line: string, frames: SseFrame[]) {
    if (line === '') return dispatch(frames);
    if (line.startsWith(':')) {
      comments += 1;
      onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\u0000')) id = value;
    // `retry:` and unknown fields are ignored: the client owns its own backoff.
  }

  return {
    get comments() {
      return comments;
    },
    push(text: string): SseFrame[] {
      const frames: SseFrame[] = [];
      if (skipLeadingLineFeed && text.startsWith('\n')) text = text.slice(1);
      skipLeadingLineFeed = false;
      buffer += text;
      let start = 0;
      for (let index = 0; index < buffer.length; index++) {
        const character = buffer[index];
        if (character !== '\n' && character !== '\r') continue;
        processLine(buffer.slice(start, index), frames);
        if (character === '\r') {
          if (index + 1 < buffer.length) {
            if (buffer[index + 1] === '\n') index++;
          } else {
            skipLeadingLineFeed = true;
          }
        }
        start = index + 1;
      }
      buffer = buffer.slice(start);
      return frames;
    },
  };
}

/** Reads a byte stream as SSE frames; multi-byte characters split across chunks decode correctly. */
export async function* readSseFrames(body: ReadableStream<Uint8Array>, onComment?: (text: string) => void): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser(onComment);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const frame of parser.push(decoder.decode(value, { stream: true }))) yield frame;
    }
    // A final frame without its blank line is incomplete by the standard and is dropped.
    parser.push(decoder.decode());
  } finally {
    // Releases the connection when the consumer stops early (break, abort, error).
    reader.cancel().catch(() => undefined);
  }
}
