/**
 * @module agent/detect-intent
 * The local intent classifier behind `POST /v1/agents/sessions/intent/detect`
 * and the stream's first `intent` event. Keyword analysis plus collection
 * matching, as the contract describes it (mixpeek-notes §1.11): no model call,
 * so it costs well under a millisecond and never fails.
 */
import type { IntentEvent } from './events.js';

export interface IntentCollection {
  collection_id: string;
  collection_name: string;
  description?: string | null;
  /** The extractor's name, or the collection's `feature_extractor` config object. */
  feature_extractor?: string | { feature_extractor_name?: string } | null;
}

export interface IntentRetriever {
  retriever_id: string;
  retriever_name: string;
  description?: string | null;
  /** The saved config; its input_schema says whether the request's words alone can run it. */
  config?: Record<string, unknown> | null;
}

export interface SuitableCollection {
  collection_id: string;
  collection_name: string;
  feature_extractor: string;
  capabilities: string[];
  match_score: number;
}

export interface ClarificationOption {
  label: string;
  description: string;
  action: string;
}

export interface IntentClassification {
  intent: 'execution' | 'setup' | 'ambiguous';
  confidence: number;
  reasoning: string;
  suitable_collections: SuitableCollection[];
  recommended_action: string;
  clarification_needed: boolean;
  clarification_options: ClarificationOption[];
  keywords_found: { setup_keywords: string[]; execution_keywords: string[]; neutral_keywords: string[] };
}

// Setup verbs weigh more than question words: "what do I need to create…" is about setting up.
const SETUP =
  /\b(create|set ?up|configure|index|upload|ingest|import|build|pipeline|install|define|delete|remove|update|rename|add (?:an? |new )?(?:collection|retriever|namespace|bucket|documents?)|new (?:collection|retriever|namespace))\b/gi;
const EXECUTION_STRONG =
  /\b(find|search|show|list|retrieve|look(?:ing)? (?:for|up)|recommend|query|similar|match(?:ing)?|display|fetch|compare|summari[sz]e|get)\b/gi;
const EXECUTION_WEAK = /\b(what|which|where|who|when|how many|are there|is there|tell me|any)\b/gi;
const NEUTRAL =
  /\b(collections?|retrievers?|documents?|namespaces?|videos?|images?|photos?|pictures?|audio|podcasts?|text|pdfs?|files?|data|content|products?)\b/gi;
const STOPWORDS = new Set(
  'the a an and or of for to in on at by with about from into me my our your i we you it is are was be do does can could would should please some any all this that these those there here what which where who when how find search show list get look recommend give tell'.split(
    ' ',
  ),
);
const MODALITIES: Array<[RegExp, string]> = [
  [/video|movie|clip|film/, 'video search'],
  [/image|photo|picture|visual/, 'image search'],
  [/audio|podcast|speech|sound|song/, 'audio search'],
  [/pdf|document|page|report/, 'document search'],
];

export function detectIntent(
  request: string,
  collections: readonly IntentCollection[],
  retrievers: readonly IntentRetriever[] = [],
  options: { includeCollectionAnalysis?: boolean } = {},
): IntentClassification {
  const setupKeywords = matches(request, SETUP);
  const strong = matches(request, EXECUTION_STRONG);
  const weak = matches(request, EXECUTION_WEAK);
  const keywords_found = {
    setup_keywords: setupKeywords,
    execution_keywords: [...strong, ...weak],
    neutral_keywords: matches(request, NEUTRAL),
  };
  const setup = setupKeywords.length * 1.5;
  const execution = strong.length + weak.length * 0.5;
  const terms = termsOf(request);
  const suitable = options.includeCollectionAnalysis === false ? [] : rankCollections(request, terms, collections);
  const retriever = bestRetriever(terms, retrievers);

  let intent: IntentClassification['intent'];
  let confidence: number;
  let reasoning: string;
  const total = setup + execution;
  const margin = total === 0 ? 0 : Math.abs(setup - execution) / total;
  if (total === 0 && (suitable[0]?.match_score ?? 0) >= 0.5) {
    intent = 'execution';
    confidence = 0.6;
    reasoning = `No action keywords, but the request matches the collection '${suitable[0].collection_name}'.`;
  } else if (total === 0 || margin < 0.34) {
    intent = 'ambiguous';
    confidence = total === 0 ? 0.3 : 0.5;
    reasoning =
      total === 0
        ? 'The request has neither setup nor search keywords.'
        : `The request mixes setup keywords (${setupKeywords.join(', ')}) and search keywords (${keywords_found.execution_keywords.join(', ')}).`;
  } else {
    intent = setup > execution ? 'setup' : 'execution';
    const found = intent === 'setup' ? setupKeywords : keywords_found.execution_keywords;
    confidence =
      0.55 +
      0.3 * margin +
      0.04 * Math.min(found.length, 3) +
      (intent === 'execution' && suitable.length > 0 ? 0.05 : 0);
    reasoning = `${intent === 'setup' ? 'Setup' : 'Search'} keywords found: ${found.join(', ')}.`;
  }
  if (intent === 'execution') {
    if (retriever) reasoning += ` The saved retriever '${retriever.retriever_name}' fits the request.`;
    else if (suitable.length > 0) reasoning += ` Best matching collection: '${suitable[0].collection_name}'.`;
    else if (collections.length === 0) reasoning += ' There are no collections yet to search.';
  }

  const recommended_action =
    intent === 'setup'
      ? 'setup_pipeline'
      : intent === 'ambiguous'
        ? 'clarify'
        : retriever
          ? 'execute_retriever'
          : collections.length > 0
            ? 'smart_search'
            : 'setup_pipeline';
  const clarification_options: ClarificationOption[] =
    intent !== 'ambiguous'
      ? []
      : [
          {
            label: 'Search existing data',
            description: 'Look for matching documents in your collections',
            action: 'smart_search',
          },
          {
            label: 'Set up something new',
            description: 'Create a collection or a retriever for this data',
            action: 'setup_pipeline',
          },
        ];
  return {
    intent,
    confidence: Math.round(Math.min(confidence, 0.95) * 100) / 100,
    reasoning,
    suitable_collections: suitable,
    recommended_action,
    clarification_needed: intent === 'ambiguous',
    clarification_options,
    keywords_found,
  };
}

/** The stream's `intent` event, in the vocabulary of the contract's SSE example. */
export function toIntentEvent(classification: IntentClassification): IntentEvent {
  const [intent, category] =
    classification.intent === 'execution'
      ? ['retriever_search', 'retriever']
      : classification.intent === 'setup'
        ? ['setup', 'setup']
        : ['conversation', 'general'];
  const scope = classification.suitable_collections.map((collection) => collection.collection_id);
  return {
    intent,
    confidence: classification.confidence,
    category,
    reasoning: classification.reasoning,
    context_scope: scope.length > 0 ? scope : 'namespace',
  };
}

function matches(text: string, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(pattern)) {
    const keyword = match[0].toLowerCase();
    if (!found.includes(keyword)) found.push(keyword);
  }
  return found;
}

function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (word.length < 3 || STOPWORDS.has(word)) continue;
    // A crude singular form, so "videos" meets "video" without a stemmer.
    terms.add(word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word);
  }
  return terms;
}

function rankCollections(
  request: string,
  terms: Set<string>,
  collections: readonly IntentCollection[],
): SuitableCollection[] {
  const lower = request.toLowerCase();
  const ranked: SuitableCollection[] = [];
  for (const collection of collections) {
    const extractor =
      typeof collection.feature_extractor === 'string'
        ? collection.feature_extractor
        : (collection.feature_extractor?.feature_extractor_name ?? 'text_extractor');
    const described = `${collection.collection_name.replace(/[_.-]+/g, ' ')} ${collection.description ?? ''} ${extractor.replace(/_/g, ' ')}`;
    const capabilities = capabilitiesOf(`${extractor} ${described}`.toLowerCase());
    const own = termsOf(described);
    let shared = 0;
    for (const term of terms) if (own.has(term)) shared++;
    let score = terms.size === 0 ? 0 : shared / terms.size;
    if (lower.includes(collection.collection_name.toLowerCase())) score = Math.max(score, 0.9);
    for (const [pattern, capability] of MODALITIES)
      if (pattern.test(lower) && capabilities.includes(capability)) score += 0.2;
    if (score > 0)
      ranked.push({
        collection_id: collection.collection_id,
        collection_name: collection.collection_name,
        feature_extractor: extractor,
        capabilities,
        match_score: Math.round(Math.min(score, 1) * 100) / 100,
      });
  }
  return ranked.sort((left, right) => right.match_score - left.match_score).slice(0, 5);
}

function capabilitiesOf(description: string): string[] {
  if (description.includes('multimodal')) return ['video search', 'image search', 'text search'];
  const found = MODALITIES.filter(([pattern]) => pattern.test(description)).map(([, capability]) => capability);
  return found.length > 0 ? [...found, 'text search'] : ['text search'];
}

/**
 * The saved retriever the intent names for a request, when one fits and can run on the request's words alone:
 * the run tells the agent about it, so the retriever the `intent` event names is the one the agent runs.
 */
export function suggestRetriever(request: string, retrievers: readonly IntentRetriever[]): IntentRetriever | null {
  return bestRetriever(termsOf(request), retrievers);
}

/** True unless the retriever's input_schema requires an input other than `query`. */
function runsOnQuery(retriever: IntentRetriever): boolean {
  const schema = retriever.config?.input_schema;
  if (!schema || typeof schema !== 'object') return true;
  return Object.entries(schema as Record<string, { required?: unknown }>).every(
    ([name, field]) => name === 'query' || field?.required !== true,
  );
}

function bestRetriever(terms: Set<string>, retrievers: readonly IntentRetriever[]): IntentRetriever | null {
  let best: IntentRetriever | null = null;
  let bestScore = 0.3; // below this, a retriever is a coincidence of words, not a fit
  for (const retriever of retrievers) {
    if (!runsOnQuery(retriever)) continue;
    const own = termsOf(`${retriever.retriever_name.replace(/[_.-]+/g, ' ')} ${retriever.description ?? ''}`);
    let shared = 0;
    for (const term of terms) if (own.has(term)) shared++;
    const score = terms.size === 0 ? 0 : shared / terms.size;
    if (score >= bestScore) [best, bestScore] = [retriever, score];
  }
  return best;
}
