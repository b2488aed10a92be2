/**
 * @module retrieval/stages/language-model-options
 * What the LLM stages share: the provider/model parameters of the
 * contract (accepted, recorded, and served by whichever model the server
 * has configured) and the metadata that says which path ran.
 */
import { z } from 'zod';
import type { StageLanguageModel } from '../types.js';

export const languageModelParameters = {
  provider: z.enum(['openai', 'google', 'anthropic']).nullish(),
  model_name: z.string().nullish(),
  inference_name: z.string().nullish(),
  /** BYOK keys (often `{{SECRET.x}}`) are accepted but never used or echoed: the server's own model answers. */
  api_key: z.string().nullish(),
};

export const LOCAL_FALLBACK_METADATA = {
  model: 'quarry-local',
  note: 'deterministic local fallback; configure a provider for LLM output',
} as const;

export function modelMetadata(
  model: StageLanguageModel,
  requested: { provider?: string | null; model_name?: string | null },
) {
  return {
    model: model.modelId,
    requested_provider: requested.provider ?? null,
    requested_model: requested.model_name ?? null,
  };
}

/** The docs call the model `model`; the SDK calls it `model_name`. */
export function renameModelAlias(raw: Record<string, unknown>): Record<string, unknown> {
  const result = { ...raw };
  if (result.model !== undefined && result.model_name === undefined) result.model_name = result.model;
  delete result.model;
  delete result.api_key_secret;
  return result;
}
