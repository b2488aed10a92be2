import { describe, expect, it } from 'vitest';
import { DEMO_WORD_DELAY_MS, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('paces the built-in model at a readable speed with the demo data, not otherwise, unless told', () => {
    expect(loadConfig({}).localModelDelayMs).toBe(0);
    expect(loadConfig({ QUARRY_DEMO: '1' }).localModelDelayMs).toBe(DEMO_WORD_DELAY_MS);
    expect(loadConfig({}, { loadDemo: true }).localModelDelayMs).toBe(DEMO_WORD_DELAY_MS);
    expect(loadConfig({ QUARRY_DEMO: '1', QUARRY_LOCAL_MODEL_DELAY_MS: '0' }).localModelDelayMs).toBe(0);
    expect(loadConfig({ QUARRY_LOCAL_MODEL_DELAY_MS: '120' }).localModelDelayMs).toBe(120);
    expect(() => loadConfig({ QUARRY_LOCAL_MODEL_DELAY_MS: '-1' })).toThrow(/localModelDelayMs/);
  });

  it('reads the log format and NO_COLOR', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ QUARRY_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ QUARRY_LOG_FORMAT: 'fancy' })).toThrow(/logFormat/);
    expect(loadConfig({}).noColor).toBe(false);
    expect(loadConfig({ NO_COLOR: '1' }).noColor).toBe(true);
  });

  it('builds declared payload indexes only when the operator turns them on', () => {
    expect(loadConfig({}).payloadIndexes).toBe(false);
    expect(loadConfig({ QUARRY_PAYLOAD_INDEXES: 'on' }).payloadIndexes).toBe(true);
    expect(loadConfig({ QUARRY_PAYLOAD_INDEXES: '0' }).payloadIndexes).toBe(false);
  });

  it('searches large PostgreSQL collections through in-process graphs unless the operator turns them off', () => {
    expect(loadConfig({}).pgProcessGraphs).toBe(true);
    expect(loadConfig({ QUARRY_PG_PROCESS_GRAPHS: 'off' }).pgProcessGraphs).toBe(false);
    expect(loadConfig({ QUARRY_PG_PROCESS_GRAPHS: 'on' }).pgProcessGraphs).toBe(true);
    expect(loadConfig({}).pgVectorIndex).toBe('hnsw');
    expect(loadConfig({ QUARRY_PG_VECTOR_INDEX: 'none' }).pgVectorIndex).toBe('none');
    expect(() => loadConfig({ QUARRY_PG_VECTOR_INDEX: 'ivfflat' })).toThrow(/QUARRY_PG_VECTOR_INDEX|pgVectorIndex/);
  });
});
