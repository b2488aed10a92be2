/**
 * @module models/language-model-registry
 * Turns a session's `agent_config.model` into a `LanguageModelV3` (DESIGN §6).
 * Names route by prefix (`gpt-*`/`o1*`/`o3*`/`o4*`/`chatgpt-*` → OpenAI,
 * `claude-*` → Anthropic, `gemini-*` → Google) or by an explicit
 * `provider:model`. With no provider configured at all, every session runs on
 * the built-in `quarry-local` and says so; with some configured, a model whose
 * provider is not configured runs on a configured provider's model and says so
 * (`modelFallback: 'default'`, so the SDK's default `gemini-2.5-flash` works on
 * a server that has only OPENAI_API_KEY), or is a 400 that names the env var to
 * set (`modelFallback: 'strict'`).
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { errors } from '../errors.js';
import { createQuarryLocalModel } from './quarry-local-model.js';

export interface LanguageModelRegistryConfig {
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  googleApiKey?: string;
  googleBaseUrl?: string;
  compatibleBaseUrl?: string;
  compatibleApiKey?: string;
  defaultModel?: string;
  /** Injected into every provider, so tests can answer HTTP calls locally. */
  fetch?: typeof fetch;
  /** A model whose provider is not configured (while another is): run on a configured one (`default`) or refuse with 400 (`strict`). */
  modelFallback?: 'default' | 'strict';
  /** Word delay of the built-in model's stream (demo realism); 0 by default. */
  localChunkDelayMs?: number;
}

export interface ResolvedLanguageModel {
  model: LanguageModelV3;
  /** The model that will actually run; differs from the request only in the no-provider fallback. */
  effectiveModel: string;
  /** Set when the session runs on a different model than asked; worth a `thinking` notice. */
  notice?: string;
}

export type ProviderName = 'openai' | 'anthropic' | 'google' | 'openai-compatible';

export interface LanguageModelRegistry {
  resolve(modelName: string): ResolvedLanguageModel;
  readonly defaultModel: string;
  readonly anyProviderConfigured: boolean;
  describe(): {
    default_model: string;
    any_provider_configured: boolean;
    providers: Array<{
      provider: ProviderName | 'quarry';
      configured: boolean;
      env_var: string | null;
      models: string;
    }>;
  };
}

export const LOCAL_MODEL_NAME = 'quarry-local';
const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
const GOOGLE_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

const PROVIDERS: Record<ProviderName, { envVar: string; label: string; models: string; defaultModel: string | null }> =
  {
    openai: {
      envVar: 'OPENAI_API_KEY',
      label: 'OpenAI',
      models: 'gpt-*, o1*, o3*, o4*, chatgpt-*, openai:<model>',
      defaultModel: 'gpt-4o-mini',
    },
    anthropic: {
      envVar: 'ANTHROPIC_API_KEY',
      label: 'Anthropic',
      models: 'claude-*, anthropic:<model>',
      defaultModel: 'claude-3-5-haiku-latest',
    },
    google: {
      envVar: 'GOOGLE_GENERATIVE_AI_API_KEY',
      label: 'Google',
      models: 'gemini-*, google:<model>',
      defaultModel: 'gemini-2.5-flash',
    },
    // An OpenAI-compatible endpoint serves whatever it serves: only QUARRY_DEFAULT_MODEL can name its model.
    'openai-compatible': {
      envVar: 'QUARRY_LLM_BASE_URL',
      label: 'OpenAI-compatible',
      models: 'openai-compatible:<model>',
      defaultModel: null,
    },
  };

/** Which provider serves a model name, and the provider's own id for it; null when nothing claims it. */
export function routeModelName(modelName: string): { provider: ProviderName | 'quarry'; modelId: string } | null {
  const explicit = /^(openai|anthropic|google|openai-compatible|quarry):(.+)$/.exec(modelName);
  if (explicit) return { provider: explicit[1] as ProviderName | 'quarry', modelId: explicit[2] };
  if (modelName === LOCAL_MODEL_NAME) return { provider: 'quarry', modelId: LOCAL_MODEL_NAME };
  if (/^(gpt-|o1|o3|o4|chatgpt-)/.test(modelName)) return { provider: 'openai', modelId: modelName };
  if (modelName.startsWith('claude-')) return { provider: 'anthropic', modelId: modelName };
  if (modelName.startsWith('gemini-')) return { provider: 'google', modelId: modelName };
  return null;
}

export function createLanguageModelRegistry(config: LanguageModelRegistryConfig): LanguageModelRegistry {
  const configured: Record<ProviderName, boolean> = {
    openai: Boolean(config.openaiApiKey),
    anthropic: Boolean(config.anthropicApiKey),
    google: Boolean(config.googleApiKey),
    'openai-compatible': Boolean(config.compatibleBaseUrl),
  };
  const anyProviderConfigured = Object.values(configured).some(Boolean);
  const defaultModel = config.defaultModel || (config.openaiApiKey ? 'gpt-4o-mini' : LOCAL_MODEL_NAME);
  // Provider clients and model objects are built on first use and reused: they hold no per-request state.
  const providers = new Map<ProviderName, (modelId: string) => LanguageModelV3>();
  const models = new Map<string, LanguageModelV3>();
  const local = createQuarryLocalModel({ chunkDelayMs: config.localChunkDelayMs });

  function providerFor(name: ProviderName): (modelId: string) => LanguageModelV3 {
    let create = providers.get(name);
    if (create) return create;
    const fetch = config.fetch;
    if (name === 'openai') {
      // `.chat` speaks chat completions, which OpenAI-compatible base URLs (OPENAI_BASE_URL) also serve.
      const openai = createOpenAI({ apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl || undefined, fetch });
      create = (modelId) => openai.chat(modelId);
    } else if (name === 'anthropic') {
      // Passed explicitly, default included: left undefined, the SDK would read ANTHROPIC_BASE_URL behind config.ts.
      const anthropic = createAnthropic({
        apiKey: config.anthropicApiKey,
        baseURL: config.anthropicBaseUrl || ANTHROPIC_DEFAULT_BASE_URL,
        fetch,
      });
      create = (modelId) => anthropic(modelId);
    } else if (name === 'google') {
      const google = createGoogleGenerativeAI({
        apiKey: config.googleApiKey,
        baseURL: config.googleBaseUrl || GOOGLE_DEFAULT_BASE_URL,
        fetch,
      });
      create = (modelId) => google(modelId);
    } else {
      const compatible = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: config.compatibleBaseUrl!,
        apiKey: config.compatibleApiKey || undefined,
        includeUsage: true,
        fetch,
      });
      create = (modelId) => compatible.chatModel(modelId);
    }
    providers.set(name, create);
    return create;
  }

  function fallback(requested: string, why: string): ResolvedLanguageModel {
    const notice = `The model '${requested}' was requested, but ${why}; this session runs on ${LOCAL_MODEL_NAME}, Quarry's built-in offline model. Set OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY or QUARRY_LLM_BASE_URL to use a real model.`;
    return { model: local, effectiveModel: LOCAL_MODEL_NAME, notice };
  }

  /**
   * Where a model of an unconfigured provider runs: QUARRY_DEFAULT_MODEL when it is servable, else a configured
   * provider's own default (a real model before the built-in one), else the built-in model.
   */
  function substituteModel(): string {
    const route = config.defaultModel ? routeModelName(config.defaultModel) : null;
    if (route && (route.provider === 'quarry' || configured[route.provider])) return config.defaultModel!;
    const provider = (Object.keys(PROVIDERS) as ProviderName[]).find(
      (name) => configured[name] && PROVIDERS[name].defaultModel,
    );
    return provider ? PROVIDERS[provider].defaultModel! : LOCAL_MODEL_NAME;
  }

  function resolve(modelName: string): ResolvedLanguageModel {
    const requested = modelName.trim() || defaultModel;
    const route = routeModelName(requested);
    if (route?.provider === 'quarry') {
      if (route.modelId !== LOCAL_MODEL_NAME)
        throw errors.badRequest(`Unknown built-in model '${requested}'. The built-in model is '${LOCAL_MODEL_NAME}'.`, {
          model: requested,
        });
      return { model: local, effectiveModel: LOCAL_MODEL_NAME };
    }
    if (!route) {
      if (!anyProviderConfigured) return fallback(requested, 'no language-model provider is configured');
      throw errors.badRequest(
        `Unknown model '${requested}'. Use a gpt-*, o1/o3/o4*, claude-* or gemini-* model, '${LOCAL_MODEL_NAME}', or a provider prefix such as 'openai-compatible:${requested}'.`,
        { model: requested },
      );
    }
    const provider = PROVIDERS[route.provider];
    if (!configured[route.provider]) {
      if (!anyProviderConfigured) return fallback(requested, `its provider (${provider.label}) is not configured`);
      if (config.modelFallback !== 'strict') {
        const substitute = substituteModel();
        const resolved = resolve(substitute);
        const notice = `The model '${requested}' was requested, but its provider (${provider.label}) is not configured (${provider.envVar}); this session runs on ${resolved.effectiveModel}, this server's default. Set ${provider.envVar} to use '${requested}', or QUARRY_MODEL_FALLBACK=strict to refuse such sessions instead.`;
        return { ...resolved, notice };
      }
      throw errors.badRequest(
        `Model '${requested}' needs the ${provider.label} provider, which is not configured: set ${provider.envVar}.`,
        {
          model: requested,
          provider: route.provider,
          env_var: provider.envVar,
        },
      );
    }
    let model = models.get(requested);
    if (!model) {
      model = providerFor(route.provider)(route.modelId);
      models.set(requested, model);
    }
    return { model, effectiveModel: requested };
  }

  return {
    resolve,
    defaultModel,
    anyProviderConfigured,
    describe: () => ({
      default_model: defaultModel,
      any_provider_configured: anyProviderConfigured,
      providers: [
        ...(Object.keys(PROVIDERS) as ProviderName[]).map((name) => ({
          provider: name,
          configured: configured[name],
          env_var: PROVIDERS[name].envVar,
          models: PROVIDERS[name].models,
        })),
        { provider: 'quarry' as const, configured: true, env_var: null, models: LOCAL_MODEL_NAME },
      ],
    }),
  };
}
