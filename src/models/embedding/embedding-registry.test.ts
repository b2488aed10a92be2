import { describe, expect, it, vi } from 'vitest';
import { createEmbeddingRegistry, DEFAULT_EMBEDDING_MODEL } from './embedding-registry.js';
import { hashEmbed } from './hash-embedder.js';

function fakeFetch(dimensions: number) {
  return vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    const { input } = JSON.parse(String(init?.body)) as { input: string[] };
    const data = input.map((_, index) => ({
      index,
      embedding: Array.from({ length: dimensions }, (__, position) => position + 1),
    }));
    return new Response(JSON.stringify({ data }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
}

describe('createEmbeddingRegistry', () => {
  it('serves the built-in model offline', async () => {
    const registry = createEmbeddingRegistry();
    expect(DEFAULT_EMBEDDING_MODEL).toBe('quarry-hash-embed');
    expect(registry.has('quarry-hash-embed')).toBe(true);
    expect(await registry.dimensions('quarry-hash-embed')).toBe(384);
    const [vector] = await registry.embed('quarry-hash-embed', ['hello world']);
    expect(Array.from(vector)).toEqual(Array.from(hashEmbed('hello world')));
    expect(registry.list()).toEqual([
      expect.objectContaining({ name: 'quarry-hash-embed', kind: 'builtin', dimensions: 384 }),
    ]);
  });

  it('embeds large batches in slices and honours abort', async () => {
    const registry = createEmbeddingRegistry();
    expect(
      await registry.embed(
        DEFAULT_EMBEDDING_MODEL,
        Array.from({ length: 2_500 }, (_, index) => `text ${index}`),
      ),
    ).toHaveLength(2_500);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(registry.embed(DEFAULT_EMBEDDING_MODEL, ['x'], controller.signal)).rejects.toThrow('stop');
  });

  it('rejects an unknown model with 422 listing the known ones', async () => {
    const registry = createEmbeddingRegistry({
      remote: { baseURL: 'http://localhost:11434/v1', models: ['nomic-embed-text'] },
    });
    await expect(registry.embed('text-embedding-3-large', ['x'])).rejects.toMatchObject({
      status: 422,
      message: "Unknown embedding model 'text-embedding-3-large'. Known models: quarry-hash-embed, nomic-embed-text.",
    });
    await expect(registry.dimensions('nope')).rejects.toMatchObject({ status: 422 });
    expect(registry.has('nope')).toBe(false);
  });

  it('probes a remote model once for its dimensions and lists it', async () => {
    const fetch = fakeFetch(768);
    const registry = createEmbeddingRegistry({
      remote: { baseURL: 'http://embed.local/v1', models: ['nomic-embed-text', 'known'], dimensions: { known: 1024 } },
      fetch,
    });
    expect(registry.list().find((model) => model.name === 'nomic-embed-text')).toMatchObject({
      kind: 'remote',
      dimensions: null,
    });
    const [first, second] = await Promise.all([
      registry.dimensions('nomic-embed-text'),
      registry.dimensions('nomic-embed-text'),
    ]);
    expect([first, second, await registry.dimensions('nomic-embed-text')]).toEqual([768, 768, 768]);
    expect(await registry.dimensions('known')).toBe(1024);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String(fetch.mock.calls[0][0])).toBe('http://embed.local/v1/embeddings');
    expect(registry.list().find((model) => model.name === 'nomic-embed-text')).toMatchObject({ dimensions: 768 });
    const [vector] = await registry.embed('nomic-embed-text', ['x']);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });

  it('does not cache a failed probe', async () => {
    let calls = 0;
    const fetch = vi.fn(async () => {
      calls++;
      // What undici throws for a refused connection.
      if (calls <= 1)
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      return new Response(JSON.stringify({ data: [{ index: 0, embedding: [1, 0] }] }));
    });
    const registry = createEmbeddingRegistry({
      remote: { baseURL: 'http://embed.local/v1', models: ['m'], maxRetries: 0 },
      fetch,
    });
    await expect(registry.dimensions('m')).rejects.toMatchObject({ status: 503 });
    expect(await registry.dimensions('m')).toBe(2);
  });
});
