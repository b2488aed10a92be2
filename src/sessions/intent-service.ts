/**
 * @module sessions/intent-service
 * `POST /v1/agents/sessions/intent/detect`: the local intent classifier over
 * the namespace's collections and saved retrievers (the first 200 of each,
 * as a run's `intent` event sees them).
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import { detectIntent, type IntentClassification } from '../agent/detect-intent.js';

/** How many collections and retrievers the classifier reads: enough for any namespace a person names things in. */
const CLASSIFIER_LIST_LIMIT = 200;

export function createIntentService(store: Store) {
  return {
    async detect(
      scope: TenantScope,
      userRequest: string,
      options: { includeCollectionAnalysis?: boolean } = {},
    ): Promise<IntentClassification> {
      const page = { limit: CLASSIFIER_LIST_LIMIT, offset: 0, includeTotal: false };
      const collections = (await store.collections.list(scope, page)).items;
      const retrievers = (await store.retrievers.list(scope, page)).items;
      return detectIntent(userRequest, collections, retrievers, options);
    },
  };
}

export type IntentService = ReturnType<typeof createIntentService>;
