import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_FILE, DEMO_TOPICS, generateDemoVideos, titleCase } from '../../scripts/generate-demo-data.js';
import { readRecords } from './read-records.js';

const LEVELS = ['beginner', 'intermediate', 'advanced'];
const RETRIEVERS_FILE = fileURLToPath(new URL('../../data/demo/retrievers.json', import.meta.url));

describe('demo dataset', () => {
  it('has at least 2,000 valid items with every field', async () => {
    const records: Record<string, unknown>[] = [];
    for await (const item of readRecords(DEMO_FILE)) {
      expect(item.kind).toBe('record');
      if (item.kind === 'record') records.push(item.record);
    }
    expect(records.length).toBeGreaterThanOrEqual(2000);
    for (const video of records) {
      expect(Object.keys(video).sort()).toEqual([
        'category',
        'channel',
        'description',
        'duration_seconds',
        'language',
        'level',
        'likes',
        'published_at',
        'tags',
        'title',
        'views',
      ]);
      expect(typeof video.title === 'string' && video.title.length > 5).toBe(true);
      const sentences = String(video.description).split(/(?<=[.!?]) (?=[A-Z])/);
      expect(sentences.length).toBeGreaterThanOrEqual(2);
      expect(sentences.length).toBeLessThanOrEqual(4);
      expect(
        Array.isArray(video.tags) && video.tags.length >= 3 && video.tags.every((tag) => typeof tag === 'string'),
      ).toBe(true);
      expect(Number.isInteger(video.duration_seconds) && (video.duration_seconds as number) > 0).toBe(true);
      expect(String(video.published_at)).toMatch(/^20(19|2[0-6])-\d\d-\d\d$/);
      expect(Number.isInteger(video.views) && Number.isInteger(video.likes)).toBe(true);
      expect(video.likes as number).toBeLessThanOrEqual(video.views as number);
      expect(String(video.language)).toMatch(/^[a-z]{2}$/);
      expect(LEVELS).toContain(video.level);
    }
    expect(new Set(records.map((video) => video.title)).size).toBe(records.length);
    expect(new Set(records.map((video) => video.description)).size).toBe(records.length);
    expect(new Set(records.map((video) => video.channel)).size).toBeGreaterThanOrEqual(55);
    const machineLearning = records.filter((video) => (video.tags as string[])[0] === 'machine learning');
    expect(machineLearning.length).toBeGreaterThanOrEqual(120);
    // Diverse, not one template repeated: many distinct subjects among the machine-learning items.
    expect(new Set(machineLearning.map((video) => (video.tags as string[])[1])).size).toBeGreaterThanOrEqual(25);
  });

  it('is exactly what the generator writes, so the committed file can be regenerated', () => {
    const generated =
      generateDemoVideos()
        .map((video) => JSON.stringify(video))
        .join('\n') + '\n';
    expect(generated === readFileSync(DEMO_FILE, 'utf8')).toBe(true);
    expect(Buffer.byteLength(generated)).toBeLessThan(2 * 1024 * 1024);
    expect(DEMO_TOPICS).toHaveLength(20);
  });

  it('is deterministic per seed and changes with it', () => {
    expect(generateDemoVideos(50, 7)).toEqual(generateDemoVideos(50, 7));
    expect(generateDemoVideos(50, 7)).not.toEqual(generateDemoVideos(50, 8));
  });

  it('title-cases without breaking acronyms', () => {
    expect(titleCase('mastering the bias-variance trade-off with XGBoost')).toBe(
      'Mastering the Bias-Variance Trade-Off with XGBoost',
    );
  });
});

describe('demo retrievers', () => {
  it('defines video_search and beginner_tutorials for the videos collection', () => {
    const retrievers = JSON.parse(readFileSync(RETRIEVERS_FILE, 'utf8')) as {
      retriever_name: string;
      collection_identifiers: string[];
      input_schema: Record<string, { type: string; required?: boolean }>;
      stages: { stage_name: string; config: { stage_id: string; parameters: Record<string, unknown> } }[];
    }[];
    expect(retrievers.map((retriever) => retriever.retriever_name)).toEqual(['video_search', 'beginner_tutorials']);
    const [search, beginners] = retrievers;
    expect(search.collection_identifiers).toEqual(['videos']);
    expect(search.input_schema.query).toMatchObject({ type: 'string', required: true });
    expect(search.input_schema.max_duration_seconds).toMatchObject({ type: 'integer', required: false });
    expect(search.stages.map((stage) => stage.config.stage_id)).toEqual(['feature_search', 'sort_relevance', 'limit']);
    const searches = search.stages[0].config.parameters.searches as { feature_uri: string; query: unknown }[];
    expect(searches.map((entry) => entry.feature_uri)).toEqual([
      'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
      'mixpeek://text_extractor@v1/text',
    ]);
    expect(search.stages[0].config.parameters).toMatchObject({ fusion: 'rrf', final_top_k: 50 });
    expect(search.stages[2].config.parameters).toEqual({ limit: 10 });
    expect(beginners.stages.map((stage) => stage.config.stage_id)).toEqual([
      'feature_search',
      'attribute_filter',
      'rerank',
      'limit',
    ]);
    expect(beginners.stages[1].config.parameters).toEqual({ field: 'level', operator: 'eq', value: 'beginner' });
  });
});
