/**
 * @module bench/sse-client
 * The load generator's client: `node:http` with a keep-alive agent (lighter
 * than `fetch`, so the client steals less CPU from the server on a 2-core
 * machine), timing each SSE response as a user would see it: first event,
 * first token, end of stream. Frames are split but only the one carrying
 * the retrieval latency is parsed as JSON.
 */
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { elapsedMs, now } from './statistics.js';

export const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

export interface StreamTimings {
  status: number;
  /** Milliseconds from sending the request to the first complete event (Quarry: `intent`). */
  firstEventMs: number;
  firstTokenMs: number;
  totalMs: number;
  events: number;
  bytes: number;
  /** `retriever_execution.latency_ms` when the stream carried one. */
  retrievalMs: number | null;
  terminal: string | null;
  /** Every frame's text, in order, when asked for (the baseline replays them byte for byte). */
  frames?: string[];
}

export interface RequestOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  keepFrames?: boolean;
  /** Which frame is the first token; Quarry's default is `event: token`. Peers name theirs differently. */
  isToken?: (type: string, frame: string) => boolean;
}

const isQuarryToken = (type: string) => type === 'token';

export function streamRequest(options: RequestOptions): Promise<StreamTimings> {
  const started = now();
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const request = httpRequest(options.url, { method: options.method ?? 'POST', headers, agent }, (response) => {
      const timings: StreamTimings = {
        status: response.statusCode ?? 0,
        firstEventMs: Number.NaN,
        firstTokenMs: Number.NaN,
        totalMs: Number.NaN,
        events: 0,
        bytes: 0,
        retrievalMs: null,
        terminal: null,
      };
      if (options.keepFrames) timings.frames = [];
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        timings.bytes += Buffer.byteLength(chunk);
        pending += chunk;
        let boundary = pending.indexOf('\n\n');
        while (boundary !== -1) {
          const frame = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          readFrame(frame, timings, started, options.isToken ?? isQuarryToken);
          boundary = pending.indexOf('\n\n');
        }
      });
      response.on('end', () => {
        timings.totalMs = elapsedMs(started);
        resolve(timings);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

function readFrame(
  frame: string,
  timings: StreamTimings,
  started: bigint,
  isToken: (type: string, frame: string) => boolean,
): void {
  timings.frames?.push(frame);
  if (frame.startsWith(':')) return;
  const eventStart = frame.indexOf('event: ');
  let type: string;
  if (eventStart === -1) {
    // Data-only frames (Mastra, the AI SDK) carry their type inside the JSON.
    const match = /"type":\s*"([^"]+)"/.exec(frame);
    if (!frame.includes('data:')) return;
    type = match ? match[1] : 'message';
  } else {
    const eventEnd = frame.indexOf('\n', eventStart);
    type = frame.slice(eventStart + 7, eventEnd === -1 ? undefined : eventEnd);
  }
  timings.events++;
  if (timings.events === 1) timings.firstEventMs = elapsedMs(started);
  if (Number.isNaN(timings.firstTokenMs) && isToken(type, frame)) timings.firstTokenMs = elapsedMs(started);
  if (type === 'done' || type === 'error') timings.terminal = type;
  if (type === 'retriever_execution') {
    const data = frame.slice(frame.indexOf('data: ') + 6);
    const latency = (JSON.parse(data) as { latency_ms?: number }).latency_ms;
    timings.retrievalMs = typeof latency === 'number' ? latency : null;
  }
}

/** A JSON request/response, timed. */
export function jsonRequest(options: RequestOptions): Promise<{ status: number; ms: number; body: any }> {
  const started = now();
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const request = httpRequest(
      options.url,
      { method: options.method ?? 'GET', headers, agent },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const ms = elapsedMs(started);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // Plain-text bodies stay text.
          }
          resolve({ status: response.statusCode ?? 0, ms, body });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Opens a stream and keeps it open (no agent: one socket each) until `close()`. */
export function holdStream(url: string, headers: Record<string, string>): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const request: ClientRequest = httpRequest(
      url,
      { method: 'GET', headers: { accept: 'text/event-stream', ...headers }, agent: false },
      (response) => {
        response.on('data', () => {});
        response.on('error', () => {});
        resolve({ status: response.statusCode ?? 0, close: () => request.destroy() });
      },
    );
    request.on('error', reject);
    request.end();
  });
}
