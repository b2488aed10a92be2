/**
 * @module retrieval/normalize-stages
 * Accepts stages in the spec's canonical form
 * `{stage_name, stage_type?, config: {stage_id, parameters, pre_filters?, post_filters?}}`
 * or the docs' flattened form `{stage_name?, stage_type, stage_id, parameters}`,
 * and returns the canonical form with legacy ids and parameter aliases
 * mapped. Parameters are checked structurally; templates stay unresolved
 * (they are resolved and validated again when the retriever runs).
 */
import { invalidField } from '../errors.js';
import { parseFilter } from './filters/parse-filter.js';
import type { StageCategory } from './stages/stage-definition.js';
import { validateStageParameters } from './stages/validate-parameters.js';
import { getStageDefinition, STAGE_IDS } from './stage-registry.js';

export interface StageConfig {
  stage_name: string;
  stage_type: StageCategory;
  config: {
    stage_id: string;
    parameters: Record<string, unknown>;
    pre_filters?: unknown;
    post_filters?: unknown;
  };
  description?: string;
  batch_size?: unknown;
}

type Location = (string | number)[];

export function normalizeStages(raw: unknown, location: Location = ['body', 'stages']): StageConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalidField(
      location,
      'A retriever needs at least one stage, e.g. {"stage_name": "search", "config": {"stage_id": "feature_search", "parameters": {...}}}',
      'too_short',
    );
  }
  const seen = new Set<string>();
  return raw.map((stage, index) => {
    const normalized = normalizeStage(stage, [...location, index]);
    if (seen.has(normalized.stage_name)) {
      throw invalidField(
        [...location, index, 'stage_name'],
        `Stage name '${normalized.stage_name}' is used twice; stage names key the statistics and must be unique`,
      );
    }
    seen.add(normalized.stage_name);
    return normalized;
  });
}

function normalizeStage(stage: unknown, location: Location): StageConfig {
  if (!isRecord(stage))
    throw invalidField(location, 'Each stage must be an object with stage_name and config', 'dict_type');
  const config = isRecord(stage.config) ? stage.config : stage;
  const configLocation = isRecord(stage.config) ? [...location, 'config'] : location;
  let stageId = config.stage_id ?? stage.stage_id;
  // Some examples put the stage id where the stage type goes.
  if (stageId === undefined && typeof stage.stage_type === 'string' && getStageDefinition(stage.stage_type))
    stageId = stage.stage_type;
  if (typeof stageId !== 'string' || stageId.trim() === '') {
    throw invalidField(
      [...configLocation, 'stage_id'],
      `stage_id is required; known stages: ${STAGE_IDS.join(', ')}`,
      'missing',
    );
  }
  const definition = getStageDefinition(stageId);
  if (!definition) {
    throw invalidField(
      [...configLocation, 'stage_id'],
      `Unknown stage_id '${stageId}'; known stages: ${STAGE_IDS.join(', ')}`,
      'enum',
    );
  }
  const stageName = stage.stage_name ?? config.stage_name ?? definition.stage_id;
  if (typeof stageName !== 'string' || stageName.trim() === '') {
    throw invalidField([...location, 'stage_name'], 'stage_name must be a non-empty string', 'string_type');
  }
  const rawParameters = config.parameters ?? stage.parameters ?? {};
  const parametersLocation = [...location, 'config', 'parameters'];
  if (!isRecord(rawParameters))
    throw invalidField(
      parametersLocation,
      `Stage '${stageName}' (${definition.stage_id}): parameters must be an object`,
      'dict_type',
    );
  const parameters = definition.normalize(rawParameters);
  validateStageParameters(definition, parameters, { stageName, location: parametersLocation, allowTemplates: true });
  const result: StageConfig = {
    stage_name: stageName,
    stage_type: definition.category,
    config: { stage_id: definition.stage_id, parameters },
  };
  for (const key of ['pre_filters', 'post_filters'] as const) {
    const filter = config[key] ?? stage[key];
    if (filter === undefined || filter === null) continue;
    parseFilter(filter, [...location, 'config', key], { allowTemplates: true });
    result.config[key] = filter;
  }
  if (typeof stage.description === 'string') result.description = stage.description;
  if (stage.batch_size !== undefined) result.batch_size = stage.batch_size;
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
