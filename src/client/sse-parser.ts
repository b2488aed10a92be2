/**
 * @module client/sse-parser
 * Server-Sent Events frames over `eventsource-parser` (the WHATWG
 * event-stream rules: input cut anywhere, LF/CR/CRLF line ends, `:` comments
 * for heartbeats, multi-line `data:`). It adds only what the client needs on
 * top: the standard's default event name, and byte decoding of a response body.
 */
import { createParser } from 'eventsource-parser';

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
  let frames: SseFrame[] = [];
  let comments = 0;
  const parser = createParser({
    onEvent: ({ id, event, data }) => frames.push({ id, event: event ?? 'message', data }),
    onComment: (text) => {
      comments += 1;
      onComment?.(text);
    },
  });
  return {
    get comments() {
      return comments;
    },
    push(text: string): SseFrame[] {
      parser.feed(text);
      const completed = frames;
      frames = [];
      return completed;
    },
  };
}

/** Reads a byte stream as SSE frames; multi-byte characters split across chunks decode correctly. */
export async function* readSseFrames(
  body: ReadableStream<Uint8Array>,
  onComment?: (text: string) => void,
): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser(onComment);
  let endsInCarriageReturn = false;
  function* feed(text: string) {
    if (text) endsInCarriageReturn = text.endsWith('\r');
    yield* parser.push(text);
  }
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* feed(decoder.decode(value, { stream: true }));
    }
    yield* feed(decoder.decode());
    // The parser holds a final CR back in case an LF follows it; at the end of the body it ends a line.
    // A final frame without its blank line is incomplete by the standard and is dropped.
    if (endsInCarriageReturn) yield* parser.push('\n');
  } finally {
    // Releases the connection when the consumer stops early (break, abort, error).
    reader.cancel().catch(() => undefined);
  }
}
