/**
 * POST /v1/collections/{collection}/documents/upload: a CSV read on the
 * server by the reader `quarry ingest` uses, so the playground and the CLI
 * store the same documents for the same file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentSink } from '../src/cli/document-sink.js';
import { ingestFiles } from '../src/ingest/ingest-files.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

// Leading zeros, booleans in any case, an empty cell, a repeated header, a quoted cell over two lines, CRLF,
// and one row twice.
const CSV = [
  'code,active,note,name,name',
  '00123,true,,Ada,Lovelace',
  '00123,true,,Ada,Lovelace',
  '42,FALSE,"two\r\nlines",Bob,',
  '7.5,yes,"quoted, comma",Cy,Young',
  '',
].join('\r\n');

const textExtractor = { feature_extractor_name: 'text_extractor', version: 'v1' };

let server: TestServer;
let root: string;
beforeAll(async () => {
  server = await startTestServer();
  root = mkdtempSync(join(tmpdir(), 'quarry-upload-'));
  for (const name of ['people', 'people-cli']) {
    expect(
      (
        await server.request('POST', '/v1/collections', {
          body: { collection_name: name, feature_extractor: textExtractor },
        })
      ).status,
    ).toBe(200);
  }
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const upload = (collection: string, text: string, options: { apiKey?: string; contentType?: string } = {}) =>
  server.request('POST', `/v1/collections/${collection}/documents/upload?file_name=people.csv`, {
    body: text,
    apiKey: options.apiKey,
    headers: { 'content-type': options.contentType ?? 'text/csv' },
  });

async function storedData(collection: string) {
  const namespace = await server.store.namespaces.resolve({ orgId: server.orgId }, 'default');
  const scope = { orgId: server.orgId, namespaceId: namespace!.namespace_id };
  const record = await server.store.collections.resolve(scope, collection);
  const page = await server.store.documents.list(scope, record!.collection_id, {
    filter: null,
    limit: 100,
    offset: 0,
    includeTotal: true,
  });
  return page.items
    .map((document) => document.data)
    .sort((left, right) => JSON.stringify(left).localeCompare(JSON.stringify(right)));
}

describe('CSV upload', () => {
  it('stores what `quarry ingest` stores for the same file', async () => {
    const response = await upload('people', CSV);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ created_count: 3, skipped_existing: 1 });
    expect(response.body.document_ids).toHaveLength(3);

    const file = join(root, 'people.csv');
    writeFileSync(file, CSV);
    const namespace = await server.store.namespaces.resolve({ orgId: server.orgId }, 'default');
    const scope = { orgId: server.orgId, namespaceId: namespace!.namespace_id };
    const summary = await ingestFiles({
      paths: [file],
      sink: documentSink(server.quarry.services.data.documents, scope, 'people-cli'),
    });
    expect(summary).toMatchObject({ stored: 3, skippedExisting: 1, invalidCount: 0 });

    const uploaded = await storedData('people');
    expect(uploaded).toEqual(await storedData('people-cli'));
    expect(uploaded).toContainEqual(
      expect.objectContaining({ code: '00123', active: true, note: null, name: 'Ada', name_2: 'Lovelace' }),
    );
    expect(uploaded).toContainEqual(
      expect.objectContaining({ code: 42, active: false, note: 'two\nlines', name: 'Bob', name_2: null }),
    );
    expect(uploaded).toContainEqual(expect.objectContaining({ code: 7.5, active: 'yes', note: 'quoted, comma' }));
  });

  it('skips rows already stored when the same file comes again', async () => {
    const response = await upload('people', CSV);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ created_count: 0, skipped_existing: 4, document_ids: [] });
  });

  it('refuses a file with unreadable rows whole, naming their lines (422)', async () => {
    const response = await upload('people', 'title,price\nFirst,1\nSecond,2,extra\n"Unclosed,3\n');
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ success: false, status: 422, error: { type: 'ValidationError' } });
    expect(response.body.error.message).toMatch(
      /2 row\(s\) of people\.csv could not be read, so nothing was stored; the first, at line 3: expected 2 columns, found 3/,
    );
    expect(
      response.body.error.details.validation_errors.map((issue: { location: string[] }) => issue.location[1]),
    ).toEqual(['line 3', 'line 4']);
    expect(await storedData('people')).not.toContainEqual(expect.objectContaining({ title: 'First' }));
  });

  it('is tenant-scoped, write-only, text-only and size-limited', async () => {
    const other = await server.createOrganization('elsewhere');
    expect((await upload('people', 'title\nx\n', { apiKey: other.apiKey })).status).toBe(404);
    expect((await upload('no-such-collection', 'title\n')).status).toBe(404);
    const readOnly = await server.createKey(server.orgId, { readOnly: true });
    expect((await upload('people', 'title\nx\n', { apiKey: readOnly })).status).toBe(403);
    expect((await upload('people', 'title\nx\n', { contentType: 'application/octet-stream' })).status).toBe(415);
    const limited = await startTestServer({ config: { bodyLimitBytes: 1024 } });
    try {
      await limited.request('POST', '/v1/collections', {
        body: { collection_name: 'big', feature_extractor: textExtractor },
      });
      const response = await limited.request('POST', '/v1/collections/big/documents/upload', {
        body: `title\n${'x'.repeat(2048)}\n`,
        headers: { 'content-type': 'text/csv' },
      });
      expect(response.status).toBe(413);
    } finally {
      await limited.close();
    }
  });

  it('writes into the namespace ?namespace= names, not the default (its query schema does not declare it)', async () => {
    expect((await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'upload-prod' } })).status).toBe(
      200,
    );
    const inProd = { headers: { 'x-namespace': 'upload-prod' } };
    await server.request('POST', '/v1/collections', {
      ...inProd,
      body: { collection_name: 'people-prod', feature_extractor: textExtractor },
    });
    const response = await server.request(
      'POST',
      '/v1/collections/people-prod/documents/upload?namespace=upload-prod&file_name=p.csv',
      { body: 'name\nAda\n', headers: { 'content-type': 'text/csv' } },
    );
    expect(response.status).toBe(200);
    expect(response.body.created_count).toBe(1);
    const deleted = await server.request('DELETE', '/v1/collections/people-prod?namespace=upload-prod');
    expect(deleted.status).toBe(200);
    expect((await server.request('GET', '/v1/collections/people-prod', inProd)).status).toBe(404);
  });

  it('answers any text with success or a 4xx envelope, never a 500', async () => {
    const piece = fc.constantFrom('title', 'x', '00123', 'true', '', ',', '"', '\n', '\r\n', '\ufeff', 'é', '\u0000');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), async (pieces) => {
        const response = await server.quarry.app.inject({
          method: 'POST',
          url: '/v1/collections/people/documents/upload',
          headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'text/csv' },
          payload: pieces.join(''),
        });
        expect(response.statusCode, response.body.slice(0, 300)).toBeLessThan(500);
        if (response.statusCode >= 400)
          expect(JSON.parse(response.body)).toMatchObject({ success: false, status: response.statusCode });
      }),
      { numRuns: 60 },
    );
  });

  it('is in /openapi.json with a text/csv body', async () => {
    const document = (await server.request('GET', '/openapi.json', { apiKey: null })).body;
    const operation = document.paths['/v1/collections/{collection_identifier}/documents/upload'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['text/csv']);
    expect(operation.responses['200']).toBeDefined();
    expect(operation.responses['422']).toBeDefined();
  });
});
