/**
 * @module retrieval/testing/run-stage
 * Runs one stage on given documents the way the pipeline would (normalise,
 * resolve templates, validate, run), for stage unit tests.
 */
import { normalizeStages } from '../normalize-stages.js';
import { prepareStage } from '../stages/prepare-stage.js';
import type { StageResult } from '../stages/stage-definition.js';
import type { PipelineDocument, RetrievalServices } from '../types.js';
import { createFakeServices, SAMPLE_DOCUMENTS } from './fake-services.js';

export interface RunStageOptions {
  inputs?: Record<string, unknown>;
  services?: RetrievalServices;
  /** Position of the stage in its pipeline; 1 by default, so the stage works on the given documents. */
  stageIndex?: number;
  signal?: AbortSignal;
}

export async function runStage(
  stageId: string,
  parameters: Record<string, unknown>,
  documents: PipelineDocument[] = [],
  options: RunStageOptions = {},
): Promise<StageResult> {
  const services = options.services ?? createFakeServices({ documents: SAMPLE_DOCUMENTS });
  const inputs = options.inputs ?? {};
  const stageIndex = options.stageIndex ?? 1;
  const [stage] = normalizeStages([{ stage_name: 'under_test', config: { stage_id: stageId, parameters } }]);
  const templateContext = { inputs, stages: {}, context: {} };
  const prepared = prepareStage(stage, stageIndex, templateContext);
  return prepared.definition.run(documents, prepared.parameters, {
    services,
    inputs,
    stageName: stage.stage_name,
    stageIndex,
    signal: options.signal,
    indexFilter: null,
    postFilter: null,
    templateContext,
    location: prepared.parametersLocation,
  });
}

/** The sample documents as a previous stage would hand them over, scored in descending order. */
export function sampleDocuments(): PipelineDocument[] {
  return SAMPLE_DOCUMENTS.map((document, index) => ({
    ...structuredClone(document),
    document_id: String(document.document_id),
    collection_id: String(document.collection_id),
    score: 1 - index * 0.1,
  }));
}
