/**
 * @module models/plan-local-tool
 * How `quarry-local` (quarry-local-model.ts) picks a tool: a few patterns over
 * the user's request (write verbs and resources, listings, a named or suggested
 * retriever, else a search with the request's own words). A request it cannot
 * serve with the tools offered gets a reply that says which tool would.
 */

const GREETING =
  /^(hi|hello|hey|hiya|howdy|yo|good (morning|afternoon|evening)|greetings)\b[\s!.,]*(there|quarry|everyone|all)?[\s!.,]*$/i;
const THANKS = /^(thanks|thank you|thx|cheers|bye|goodbye)( (a lot|so much|very much))?[\s!.,]*$/i;
const CAPABILITIES = /^(help|what can you do|who are you|what are you|how are you)\b/i;
const FILLER =
  /^(?:(?:hi|hello|hey|please|pls|can you|could you|would you|will you|i want to|i'd like to|i would like to|i need to|i'm looking for|i am looking for|help me|let's|find|search(?: for)?|look(?: for| up)?|show(?: me)?|get(?: me)?|give me|fetch|list|tell me about|recommend(?: me)?|suggest|what(?: are| is|'s)?|which(?: are| is)?|where(?: are| is)?|are there|is there|do you have|do we have|me|some|any|all|the|a|an|all the)\b[\s,]*)+/i;
/** Tools that change data: not offered by default, and confirmed by the user before they run. */
const WRITE_TOOLS = new Set([
  'create_collection',
  'create_retriever',
  'update_retriever',
  'delete_retriever',
  'delete_collection',
  'delete_document',
]);
/**
 * "videos about", "articles on": what kind of item the user wants, not what it is about. Left in,
 * a word the collection never uses ("videos" over transcripts) would count against every match.
 */
const KIND_OF_ITEM =
  /\b(?:videos?|clips?|documents?|docs|articles?|items?|results?|tutorials?|posts?|papers?|content)\s+(?:about|on|for|of|covering|explaining|regarding)\s+/gi;
/** "machine learning lectures": a kind of item named after the subject is not a word the documents must hold either. */
const TRAILING_KIND_OF_ITEM =
  /(?<=\S)\s+(?:videos?|clips?|lectures?|talks?|courses?|recordings?|documents?|docs|articles?|posts?|papers?)$/i;
const RESOURCE_ID = {
  collection: /\bcol_[a-z0-9]+/i,
  retriever: /\bret_[a-z0-9]+/i,
  document: /\bdoc_[a-f0-9]+/i,
} as const;

/** A reply of its own (a greeting, a refusal naming the tool to enable) or the tool call to make. */
export function planLocalTool(
  request: string,
  offered: Set<string>,
  suggestedRetriever?: string,
): string | { toolName: string; input: Record<string, unknown> } {
  const text = request.trim();
  const lower = text.toLowerCase();
  if (!text) return 'What would you like me to look for?';
  if (GREETING.test(text))
    return 'Hello! I\'m Quarry\'s built-in offline assistant. I can search your collections, run saved retrievers and describe your data. Try "Find videos about machine learning".';
  if (THANKS.test(text)) return "You're welcome! Ask me anything about your data.";
  if (CAPABILITIES.test(text))
    return `I'm quarry-local, Quarry's built-in offline model. In this session I can use: ${[...offered].join(', ') || 'no tools'}. Ask me to find something, list collections or retrievers, or run a retriever.`;
  const want = (toolName: string, input: Record<string, unknown>, what: string) =>
    offered.has(toolName)
      ? { toolName, input }
      : `I can't ${what} in this session: the ${toolName} tool is not enabled for it. A session created with "${toolName}" in agent_config.available_tools can${WRITE_TOOLS.has(toolName) ? ' (it asks you to confirm before it runs)' : ''}.`;

  const write = /\b(delete|remove|drop|destroy)\b/.test(lower)
    ? 'delete'
    : /\b(create|make|set up|setup|build|add)\b/.test(lower)
      ? 'create'
      : null;
  const resource = (['collection', 'retriever', 'document'] as const).find((noun) => lower.includes(noun));
  if (write && resource) {
    const name = nameOf(text, resource);
    if (write === 'delete' && resource === 'document') {
      const collection =
        RESOURCE_ID.collection.exec(text)?.[0] ??
        /\bfrom\s+(?:the\s+|collection\s+)*["'`]?([\w.-]+)/i.exec(text)?.[1] ??
        '';
      return want('delete_document', { collection_id: collection, document_id: name ?? '' }, 'delete documents');
    }
    if (write === 'delete')
      return want(`delete_${resource}`, { [`${resource}_id`]: name ?? '' }, `delete ${resource}s`);
    if (resource === 'collection')
      return want(
        'create_collection',
        { collection_name: name ?? 'new-collection', description: text },
        'create collections',
      );
    if (resource === 'retriever') {
      const collection =
        RESOURCE_ID.collection.exec(text)?.[0] ??
        /\b(?:on|over|for)\s+(?:the\s+)?["'`]?([\w.-]+)["'`]?\s+collection/i.exec(text)?.[1];
      const stage = {
        stage_name: 'search',
        config: {
          stage_id: 'feature_search',
          parameters: {
            searches: [
              {
                feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
                query: '{{INPUT.query}}',
              },
            ],
            final_top_k: 10,
          },
        },
      };
      const input = {
        retriever_name: name ?? 'new-retriever',
        collection_identifiers: collection ? [collection] : [],
        stages: [stage],
        input_schema: { query: { type: 'text', required: true } },
      };
      return want('create_retriever', input, 'create retrievers');
    }
  }
  if (/\b(list|show|what|which|see|display|available)\b/.test(lower)) {
    if (/\bcollections\b/.test(lower)) return want('list_collections', {}, 'list collections');
    if (/\bretrievers\b/.test(lower)) return want('list_retrievers', {}, 'list retrievers');
    if (/\bnamespaces\b/.test(lower)) return want('list_namespaces', {}, 'list namespaces');
  }
  const retriever = offered.has('execute_retriever') ? retrieverOf(text) : null;
  if (retriever)
    return {
      toolName: 'execute_retriever',
      input: { retriever_id: retriever.id, inputs: { query: retriever.query || searchQuery(text) } },
    };
  if (suggestedRetriever && offered.has('execute_retriever'))
    return {
      toolName: 'execute_retriever',
      input: { retriever_id: suggestedRetriever, inputs: { query: searchQuery(text) } },
    };
  return want('smart_search', { query: searchQuery(text), limit: 5 }, 'search your data');
}

/** The search words of a request: trailing punctuation and leading filler ("find me", "show") removed. */
export function searchQuery(text: string): string {
  const query = text
    .replace(/[?!.]+$/g, '')
    .replace(FILLER, '')
    .replace(KIND_OF_ITEM, '')
    .trim()
    .replace(TRAILING_KIND_OF_ITEM, '');
  return query || text.trim();
}

/** The resource's id or name: a typed id, a quoted name, "collection X", "X collection". */
function nameOf(text: string, resource: 'collection' | 'retriever' | 'document'): string | undefined {
  const id = RESOURCE_ID[resource].exec(text)?.[0];
  if (id) return id;
  const quoted = /["'`“]([^"'`”]+)["'`”]/.exec(text)?.[1];
  if (quoted) return quoted;
  const after = new RegExp(`\\b${resource}\\s+(?:named\\s+|called\\s+)?([\\w.-]+)`, 'i').exec(text)?.[1];
  if (after && !/^(named|called|for|with|from|on|that|which|to)$/i.test(after)) return after;
  const before = new RegExp(`\\b([\\w.-]+)\\s+${resource}\\b`, 'i').exec(text)?.[1];
  return before && !/^(the|a|an|my|our|this|that|new|saved|delete|remove|drop|create|make|add)$/i.test(before)
    ? before
    : undefined;
}

function retrieverOf(text: string): { id: string; query: string } | null {
  const match =
    /\b(?:use|using|run|execute|with)\s+(?:the\s+)?(?:retriever\s+)?["'`]?((?:ret_)?[\w.-]+)["'`]?(?:\s+retriever\b)?/i.exec(
      text,
    );
  if (!match || !(/\bretriever\b/i.test(text) || /^ret_/.test(match[1]) || /^\s*(please\s+)?run\b/i.test(text)))
    return null;
  if (/^(the|a|my|retriever)$/i.test(match[1])) return null;
  const rest = text.slice((match.index ?? 0) + match[0].length);
  const query = /\b(?:for|to find|to search for|to search|about|on|matching|with query)\s+(.+)$/i.exec(rest)?.[1] ?? '';
  return { id: match[1], query: query.replace(/[?!.]+$/, '').trim() };
}
