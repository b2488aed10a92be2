import { describe, expect, it } from 'vitest';
import { createSseParser, readSseFrames, type SseFrame } from './sse-parser.js';

const STREAM = [
  ': ping',
  '',
  'id: msg_a:1',
  'event: intent',
  'data: {"intent":"retriever_search"}',
  '',
  'id: msg_a:2',
  'event: token',
  'data: {"content":"héllo 👋"}',
  '',
  'event: note',
  'data: first line',
  'data: second line',
  '',
  'data: no event name',
  '',
  '',
].join('\n');

const EXPECTED: SseFrame[] = [
  { id: 'msg_a:1', event: 'intent', data: '{"intent":"retriever_search"}' },
  { id: 'msg_a:2', event: 'token', data: '{"content":"héllo 👋"}' },
  { id: undefined, event: 'note', data: 'first line\nsecond line' },
  { id: undefined, event: 'message', data: 'no event name' },
];

function parseInPieces(pieces: string[]): { frames: SseFrame[]; comments: string[] } {
  const comments: string[] = [];
  const parser = createSseParser((text) => comments.push(text));
  return { frames: pieces.flatMap((piece) => parser.push(piece)), comments };
}

function bytesStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for await (const frame of readSseFrames(stream)) frames.push(frame);
  return frames;
}

describe('createSseParser', () => {
  it('parses ids, event names, multi-line data and the default event name, keeping comments apart', () => {
    const { frames, comments } = parseInPieces([STREAM]);
    expect(frames).toEqual(EXPECTED);
    expect(comments).toEqual(['ping']);
  });

  it('gives the same frames however the text is cut in two', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(parseInPieces([STREAM.slice(0, cut), STREAM.slice(cut)]).frames, `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same frames when fed one character at a time', () => {
    expect(parseInPieces([...STREAM]).frames).toEqual(EXPECTED);
  });

  it('accepts CRLF and lone CR line endings, including a CRLF split between chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    expect(parseInPieces([crlf]).frames).toEqual(EXPECTED);
    for (let cut = 0; cut <= crlf.length; cut++) {
      expect(parseInPieces([crlf.slice(0, cut), crlf.slice(cut)]).frames, `CRLF cut at ${cut}`).toEqual(EXPECTED);
    }
    // A CR that ends the input so far may be the first half of a CRLF: its line waits for the next character.
    const loneCr = STREAM.replace(/\n/g, '\r');
    expect(parseInPieces([loneCr]).frames).toEqual(EXPECTED.slice(0, -1));
    expect(parseInPieces([loneCr, ': ping\r']).frames).toEqual(EXPECTED);
    for (let cut = 0; cut <= loneCr.length; cut++) {
      const pieces = [loneCr.slice(0, cut), loneCr.slice(cut), '\r'];
      expect(parseInPieces(pieces).frames, `CR cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('strips exactly one space after the colon and handles fields without a value', () => {
    const { frames } = parseInPieces(['data:  two spaces\n\ndata\n\nid: x:1\ndata:a\n\n']);
    expect(frames).toEqual([
      { id: undefined, event: 'message', data: ' two spaces' },
      { id: undefined, event: 'message', data: '' },
      { id: 'x:1', event: 'message', data: 'a' },
    ]);
  });

  it('holds back a frame until its blank line arrives', () => {
    const parser = createSseParser();
    expect(parser.push('id: m:1\nevent: token\ndata: {"content":"a"}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ id: 'm:1', event: 'token', data: '{"content":"a"}' }]);
  });
});

describe('readSseFrames', () => {
  it('decodes multi-byte characters split across byte chunks', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (const cut of [1, 37, 80, bytes.indexOf(0xf0) + 1, bytes.indexOf(0xf0) + 2, bytes.length - 1]) {
      expect(await collect(bytesStream([bytes.slice(0, cut), bytes.slice(cut)])), `byte cut at ${cut}`).toEqual(
        EXPECTED,
      );
    }
  });

  it('ends the last line at the end of the body when the stream uses lone CR line endings', async () => {
    const bytes = new TextEncoder().encode(STREAM.replace(/\n/g, '\r'));
    expect(await collect(bytesStream([bytes]))).toEqual(EXPECTED);
    expect(await collect(bytesStream([bytes, new Uint8Array(0)]))).toEqual(EXPECTED);
  });

  it('drops a trailing frame that never got its blank line (a cut connection)', async () => {
    const bytes = new TextEncoder().encode('id: m:1\ndata: {"a":1}\n\nid: m:2\ndata: {"a":');
    expect(await collect(bytesStream([bytes]))).toEqual([{ id: 'm:1', event: 'message', data: '{"a":1}' }]);
  });
});
