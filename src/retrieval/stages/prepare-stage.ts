/**
 * @module retrieval/stages/prepare-stage
 * Turns one normalised stage into what runs: templates resolved (except the
 * parameters the stage renders per document), parameters validated,
 * filters parsed and placed. Shared by run-pipeline and explain-pipeline so
 * that an explanation describes exactly what a run does.
 */
import type { FilterNode } from '../../store/filter-node.js';
import { parseFilter } from '../filters/parse-filter.js';
import type { StageConfig } from '../normalize-stages.js';
import { getStageDefinition } from '../stage-registry.js';
import { containsTemplate, resolveTemplates, type TemplateContext } from '../templates.js';
import type { StageDefinition } from './stage-definition.js';
import { validateStageParameters } from './validate-parameters.js';

export interface PreparedStage {
  stage: StageConfig;
  definition: StageDefinition;
  index: number;
  parametersLocation: (string | number)[];
  parameters: Record<string, unknown>;
  preFilter: FilterNode | null;
  postFilter: FilterNode | null;
  /** The stage reads the index, so `pre_filters` are evaluated there rather than on its input documents. */
  readsIndex: boolean;
}

export function prepareStage(
  stage: StageConfig,
  index: number,
  templateContext: TemplateContext,
  location: (string | number)[] = ['body', 'stages'],
): PreparedStage {
  const definition = getStageDefinition(stage.config.stage_id);
  if (!definition) throw new Error(`Stage '${stage.config.stage_id}' was not normalised`);
  const stageLocation = [...location, index, 'config'];
  const parametersLocation = [...stageLocation, 'parameters'];
  const deferred = new Set(definition.deferredParameters ?? []);
  const normalized = definition.normalize(stage.config.parameters);
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(normalized)) {
    resolved[key] = deferred.has(key) ? value : resolveTemplates(value, templateContext, [...parametersLocation, key]);
  }
  const validated = validateStageParameters(definition, resolved, {
    stageName: stage.stage_name,
    location: parametersLocation,
  });
  const parameters = { ...(validated as Record<string, unknown>) };
  // Defaults such as rerank's query "{{INPUT.query}}" are templates too.
  for (const [key, value] of Object.entries(parameters)) {
    if (!(key in resolved) && !deferred.has(key) && containsTemplate(value)) {
      parameters[key] = resolveTemplates(value, templateContext, [...parametersLocation, key]);
    }
  }
  const filter = (key: 'pre_filters' | 'post_filters') => {
    const raw = stage.config[key];
    if (raw === undefined || raw === null) return null;
    return parseFilter(resolveTemplates(raw, templateContext, [...stageLocation, key]), [...stageLocation, key]);
  };
  return {
    stage,
    definition,
    index,
    parametersLocation,
    parameters,
    preFilter: filter('pre_filters'),
    postFilter: filter('post_filters'),
    readsIndex: definition.readsIndex?.(index) ?? false,
  };
}
