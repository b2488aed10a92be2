import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError, errors } from './errors.js';

const SOURCE = fileURLToPath(new URL('.', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the error catalogue', () => {
  it('is the only place an AppError is built: everything else names a catalogue entry', () => {
    const offenders = sourceFiles(SOURCE)
      .filter((path) => relative(SOURCE, path) !== 'errors.ts')
      .filter((path) => /new AppError\s*\(/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(SOURCE, path));
    expect(offenders).toEqual([]);
  });

  it("fixes each entry's status and type; callers give only the facts", () => {
    expect(errors.sessionBusy('ses_1', 'msg_2')).toMatchObject({
      status: 409,
      type: 'SessionBusyError',
      details: { session_id: 'ses_1', message_id: 'msg_2' },
    });
    const inUse = errors.collectionInUse({ collection_id: 'col_1', collection_name: 'docs' }, [
      { retriever_name: 'a' },
      { retriever_name: 'b' },
    ]);
    expect(inUse).toMatchObject({ status: 409, type: 'CollectionInUseError' });
    expect(inUse.message).toBe(
      "Collection 'docs' is searched by 2 saved retrievers: 'a', 'b'. Delete them first, or delete with ?cascade=true to remove them too.",
    );
    expect(errors.runEventsPruned('msg_1')).toMatchObject({
      status: 410,
      type: 'RunEventsPrunedError',
      details: { message_id: 'msg_1' },
    });
    expect(errors.confirmationExpired('cf_1', 0)).toMatchObject({
      status: 400,
      type: 'ConfirmationExpiredError',
      details: { expired_at: '1970-01-01T00:00:00.000Z' },
    });
    expect(errors.budgetExceeded(100, 150.4, 'rerank').message).toBe(
      "The retriever exceeded its time budget of 100 ms (used 150 ms, during stage 'rerank')",
    );
    expect(errors.mcpServerUnavailable({ server_id: 'mcp_1', server_name: 'wiki' }, 'refused')).toMatchObject({
      status: 502,
      type: 'McpServerUnavailableError',
    });
    expect(errors.shuttingDown()).toMatchObject({ status: 503, type: 'ShuttingDownError' });
    expect(errors.requestRejected(431, 'too big')).toMatchObject({ status: 431, type: 'BadRequestError' });
    expect(AppError.is(errors.unsupportedMediaType())).toBe(true);
  });
});
