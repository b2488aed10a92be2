/**
 * @module retrieval/stages/sample
 * Draws a sample of the documents: random (seeded, so a seed reproduces the
 * draw), stratified by a field, or systematic (every k-th). `preserve_top_k`
 * keeps the best documents and samples the rest. Output keeps input order.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import type { PipelineDocument } from '../types.js';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z.object({
  count: z.int().min(1).max(1000).default(10),
  strategy: z.enum(['random', 'stratified', 'systematic']).default('random'),
  stratify_by: z.string().min(1).nullish(),
  min_per_stratum: z.int().min(0).default(1),
  seed: z.int().nullish(),
  preserve_top_k: z.int().min(0).default(0),
});

export const sampleStage = defineStage({
  stage_id: 'sample',
  description: 'Take a random, stratified or systematic sample of the documents (seedable).',
  category: 'reduce',
  icon: 'dices',
  parameters,
  normalize(raw) {
    const renamed = renameAliases(raw, {
      size: 'count',
      limit: 'count',
      method: 'strategy',
      group_field: 'stratify_by',
      samples_per_group: 'min_per_stratum',
    });
    return renamed;
  },
  async run(documents, params) {
    const seed = params.seed ?? Math.floor(Math.random() * 2 ** 31);
    const random = mulberry32(seed);
    if (documents.length <= params.count) return { documents, metadata: { seed, sampled: documents.length } };
    const preserved = documents.slice(0, Math.min(params.preserve_top_k, params.count));
    const rest = documents.slice(preserved.length);
    const wanted = params.count - preserved.length;
    let picked: PipelineDocument[];
    if (params.strategy === 'systematic') {
      const step = rest.length / wanted;
      const offset = random() * step;
      picked = Array.from({ length: wanted }, (_, index) => rest[Math.floor(offset + index * step)]);
    } else if (params.strategy === 'stratified' && params.stratify_by) {
      picked = stratified(rest, wanted, params.stratify_by, params.min_per_stratum, random);
    } else {
      picked = shuffle(rest, random).slice(0, wanted);
    }
    const chosen = new Set([...preserved, ...picked]);
    return {
      documents: documents.filter((document) => chosen.has(document)),
      metadata: { seed, sampled: chosen.size },
    };
  },
  plan: (params, input) => ({
    estimatedOutput: input === null ? params.count : Math.min(input, params.count),
    notes: [
      `${params.strategy} sample of ${params.count}${params.seed !== undefined && params.seed !== null ? ` (seed ${params.seed})` : ''}`,
    ],
  }),
});

function stratified(
  documents: PipelineDocument[],
  wanted: number,
  field: string,
  minimum: number,
  random: () => number,
): PipelineDocument[] {
  const strata = new Map<string, PipelineDocument[]>();
  for (const document of documents) {
    const key = JSON.stringify(readField(document, field).value ?? null);
    strata.set(key, [...(strata.get(key) ?? []), document]);
  }
  // Each stratum gets its minimum, then the remainder in proportion to its size.
  const groups = [...strata.values()].map((members) => shuffle(members, random));
  const quotas = groups.map((members) => Math.min(members.length, minimum));
  let remaining = wanted - quotas.reduce((total, quota) => total + quota, 0);
  const total = documents.length;
  groups.forEach((members, index) => {
    if (remaining <= 0) return;
    const share = Math.min(
      members.length - quotas[index],
      Math.floor((members.length / total) * (wanted - groups.length * minimum)),
      remaining,
    );
    if (share > 0) {
      quotas[index] += share;
      remaining -= share;
    }
  });
  for (let index = 0; remaining > 0 && index < groups.length * 2; index++) {
    const position = index % groups.length;
    if (quotas[position] < groups[position].length) {
      quotas[position]++;
      remaining--;
    }
  }
  return groups.flatMap((members, index) => members.slice(0, quotas[index])).slice(0, wanted);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const result = [...items];
  for (let index = result.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [result[index], result[other]] = [result[other], result[index]];
  }
  return result;
}

/** A small, well-distributed 32-bit PRNG: the same seed always gives the same sample. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
