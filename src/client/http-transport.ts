/**
 * @module client/http-transport
 * Builds requests (base URL, bearer key, namespace header, JSON bodies,
 * query strings) and turns refusals into QuarryApiError. Every API group
 * of the client goes through it, so auth and errors live in one place.
 */
import { QuarryApiError } from './quarry-api-error.js';

export interface QuarryClientOptions {
  /** The server, e.g. `http://localhost:8000` (a trailing slash is fine). */
  baseUrl: string;
  apiKey: string;
  /** Sent as `X-Namespace` (a name or `ns_…` id); the server's `default` when absent. */
  namespace?: string;
  /** Injected for tests and custom agents; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Reconnect attempts after a dropped stream before giving up (default 5). */
  maxReconnects?: number;
  /** First reconnect delay in ms, doubled per attempt up to 5 s (default 250). */
  reconnectDelayMs?: number;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Per-call namespace, overriding the client's. */
  namespace?: string;
}

export interface HttpTransport {
  readonly options: Readonly<QuarryClientOptions>;
  /** Sends and returns the raw response, throwing QuarryApiError when it is not 2xx. */
  send(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Sends and parses the JSON answer. */
  json<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Changes the namespace for later calls (the playground's namespace switcher). */
  setNamespace(namespace: string | undefined): void;
}

export function createHttpTransport(options: QuarryClientOptions): HttpTransport {
  const settings = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  // Bound lazily so a page can replace window.fetch (and Node tests can stub it) after the client exists.
  const fetchFunction = (input: string, init: RequestInit) => (settings.fetch ?? globalThis.fetch)(input, init);

  async function send(method: string, path: string, request: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${settings.apiKey}`, ...request.headers };
    const namespace = request.namespace ?? settings.namespace;
    if (namespace) headers['x-namespace'] = namespace;
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    const response = await fetchFunction(`${settings.baseUrl}${path}${queryString(request.query)}`, {
      method,
      headers,
      body,
      signal: request.signal,
    });
    if (!response.ok) throw await QuarryApiError.fromResponse(response);
    return response;
  }

  return {
    get options() {
      return settings;
    },
    send,
    async json<T>(method: string, path: string, request?: RequestOptions): Promise<T> {
      const response = await send(method, path, request);
      const text = await response.text();
      return (text ? JSON.parse(text) : null) as T;
    },
    setNamespace(namespace) {
      settings.namespace = namespace;
    },
  };
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) parameters.set(key, String(value));
  }
  const text = parameters.toString();
  return text ? `?${text}` : '';
}

/** Path segments are user data (names, ids): encode them so `/` or `?` cannot change the route. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
