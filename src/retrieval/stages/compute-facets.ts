/**
 * @module retrieval/stages/compute-facets
 * Value counts for `feature_search.facets`, in the docs' shape
 * `{"metadata.category": [{"value": "electronics", "count": 45}]}`.
 * Array fields count each element, so tags facet naturally.
 */
import { readField } from '../filters/match-filter.js';

export interface FacetRequest {
  key: string;
  limit: number;
}

export type FacetCounts = Record<string, { value: unknown; count: number }[]>;

export function computeFacets(documents: Record<string, unknown>[], facets: FacetRequest[]): FacetCounts {
  const result: FacetCounts = {};
  for (const facet of facets) {
    const counts = new Map<string, { value: unknown; count: number }>();
    for (const document of documents) {
      const reading = readField(document, facet.key);
      if (!reading.found || reading.value === null) continue;
      const values = Array.isArray(reading.value) ? reading.value : [reading.value];
      for (const value of new Set(values.map((item) => JSON.stringify(item)))) {
        const entry = counts.get(value) ?? { value: JSON.parse(value) as unknown, count: 0 };
        entry.count++;
        counts.set(value, entry);
      }
    }
    result[facet.key] = [...counts.values()]
      .sort((left, right) => right.count - left.count || String(left.value).localeCompare(String(right.value)))
      .slice(0, facet.limit);
  }
  return result;
}
