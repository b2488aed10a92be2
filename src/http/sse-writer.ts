/**
 * @module http/sse-writer
 * The one place that frames Server-Sent Events. It writes to the raw
 * socket (no per-event allocation beyond the frame string), sends `: ping`
 * heartbeats, and bounds what it buffers for a slow reader: past the limit
 * the client is cut off (the run goes on and stays resumable), so a stalled
 * client can never grow the server's memory.
 */
import type { FastifyReply } from 'fastify';

/** Above this many buffered bytes the stream waits for the socket before sending more. */
const DRAIN_MARK = 64 * 1024;

export interface SseWriterOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** How long a reader may stay stalled before it is cut off. */
  stallMs: number;
  headers?: Record<string, string>;
  /** Told when this stream opens and closes (metrics). */
  streams?: { opened(): void; closed(): void };
}

export class SseWriter {
  private closed = false;
  /** Frames of the current event-loop turn, written together on the next tick. */
  private pending = '';
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly reply: FastifyReply,
    private readonly options: SseWriterOptions,
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(reply.request.id),
      ...corsHeaders(reply),
      ...options.headers,
    });
    raw.flushHeaders?.();
    raw.on('close', () => this.markClosed());
    if (options.streams) {
      options.streams.opened();
      raw.once('close', () => options.streams!.closed());
    }
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), options.heartbeatMs);
    this.heartbeat.unref();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** `event:`/`id:`/`data:` frame; `event` omitted for the retriever format (type inside the data). */
  send(data: unknown, event?: string, id?: string): boolean {
    let frame = '';
    if (id !== undefined) frame += `id: ${id}\n`;
    if (event !== undefined) frame += `event: ${event}\n`;
    frame += `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    return this.write(frame);
  }

  comment(text: string): boolean {
    return this.write(`: ${text}\n\n`);
  }

  /** True when enough is buffered that the caller should `await drain()` before sending more. */
  get needsDrain(): boolean {
    return this.closed || this.reply.raw.writableLength + this.pending.length >= DRAIN_MARK;
  }

  /**
   * Waits until the socket has room again. False when the reader stayed
   * stalled past the limit (it is then disconnected) or the stream closed.
   */
  async drain(): Promise<boolean> {
    const raw = this.reply.raw;
    if (this.closed) return false;
    this.flush();
    if (raw.writableLength < DRAIN_MARK) return true;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), this.options.stallMs);
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      function finish(value: boolean) {
        clearTimeout(timer);
        raw.off('drain', onDrain);
        raw.off('close', onClose);
        resolve(value);
      }
      raw.on('drain', onDrain);
      raw.on('close', onClose);
    });
    if (!drained && !this.closed) {
      raw.destroy();
      this.markClosed();
    }
    return drained;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  end(): void {
    if (this.closed) return;
    this.flush();
    this.reply.raw.end();
    this.markClosed();
  }

  private write(frame: string): boolean {
    if (this.closed) return false;
    const raw = this.reply.raw;
    if (raw.writableLength + this.pending.length > this.options.maxBufferedBytes) {
      // The reader is not keeping up: drop it rather than buffer without bound.
      raw.destroy();
      this.markClosed();
      return false;
    }
    // The frames of one event-loop turn (a burst of tokens) become one write: one HTTP chunk and one
    // syscall instead of one each, which halved what a stream of 60 frames costs (corking did not help).
    if (this.pending === '') process.nextTick(() => this.flush());
    this.pending += frame;
    return true;
  }

  private flush(): void {
    if (this.pending === '') return;
    const frames = this.pending;
    this.pending = '';
    if (!this.closed) this.reply.raw.write(frames);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

/** A hijacked reply skips Fastify's hooks, so the CORS header the plugin would add is copied here. */
function corsHeaders(reply: FastifyReply): Record<string, string> {
  const origin = reply.getHeader('access-control-allow-origin');
  const exposed = reply.getHeader('access-control-expose-headers');
  const headers: Record<string, string> = {};
  if (typeof origin === 'string') headers['access-control-allow-origin'] = origin;
  if (typeof exposed === 'string') headers['access-control-expose-headers'] = exposed;
  return headers;
}
