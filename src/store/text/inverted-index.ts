/**
 * @module store/text/inverted-index
 * An in-memory BM25 index over one collection: term → postings (slot, term
 * frequency) in growable typed arrays, document lengths, and per-slot term
 * lists so a removal can keep document frequencies exact.
 *
 * Why not FTS5's `bm25()`: FTS5 scores every row that matches any query
 * word before it can sort, ~0.7 µs per match inside SQLite; a three-word
 * query over 100k short documents matches ~5–15k rows (4–9 ms). Summing the
 * same postings here is a few hundred microseconds.
 *
 * Scoring is FTS5's BM25 (k1 = 1.2, b = 0.75, idf = ln((N − n + 0.5)/(n + 0.5)),
 * floored at 1e-6), with N and the average length taken over this collection
 * rather than over every tenant's rows in the FTS table. Ties go to the lower
 * rowid. Removed documents leave dead slots that the owner compacts by
 * rebuilding (see `deadSlots`).
 */

/** BM25 parameters, shared knowledge with the PostgreSQL backend's ranking: change both together. */
export const K1 = 1.2;
export const B = 0.75;
const MIN_IDF = 1e-6;
/**
 * Coverage is measured against the query's 3 most informative terms (with all of them, CISI's
 * paragraph-long queries left 66% of queries with no document over the floor; with 3, 2.6%, while
 * every short request of the demo catalogue is judged on all its words). See `coreWeight`.
 */
const CORE_TERMS = 3;
const INITIAL_POSTINGS = 4;

class Postings {
  slots = new Int32Array(INITIAL_POSTINGS);
  frequencies = new Uint16Array(INITIAL_POSTINGS);
  size = 0;
  /** Live documents containing the term (dead slots stay in `slots` until a rebuild). */
  documentFrequency = 0;

  /** Returns the bytes the postings grew by. */
  add(slot: number, frequency: number): number {
    let grown = 0;
    if (this.size === this.slots.length) {
      grown = this.size * 6;
      const slots = new Int32Array(this.size * 2);
      slots.set(this.slots);
      this.slots = slots;
      const frequencies = new Uint16Array(this.size * 2);
      frequencies.set(this.frequencies);
      this.frequencies = frequencies;
    }
    this.slots[this.size] = slot;
    this.frequencies[this.size] = Math.min(frequency, 0xffff);
    this.size++;
    this.documentFrequency++;
    return grown;
  }
}

export interface TextHit {
  rowid: number;
  documentId: string;
  score: number;
  /**
   * The share of the query's IDF weight the document contains, in [0, 1]: 1 when it has every
   * query term, 0.1 when it shares only a common word with a query whose rare words it lacks.
   * Terms no document has count too, so a query about something absent scores low everywhere.
   * For queries longer than 3 terms, 1 means "as much weight as the query's 3 rarest terms".
   */
  coverage: number;
}

export class InvertedIndex {
  private readonly terms = new Map<string, Postings>();
  private readonly slotOfRowid = new Map<number, number>();
  private rowids: number[] = [];
  private documentIds: string[] = [];
  /** Token count per slot; -1 marks a dead slot. */
  private lengths: number[] = [];
  private termsOfSlot: Postings[][] = [];
  private totalLength = 0;
  private scores = new Float64Array(0);
  private covered = new Float64Array(0);
  private bytes = 0;

  /** Memory held, estimated as it grows (terms, postings, per-document arrays), in O(1); for the memory budget. */
  get heldBytes(): number {
    return this.bytes + this.scores.byteLength + this.covered.byteLength;
  }

  /** Documents currently indexed. */
  get size(): number {
    return this.slotOfRowid.size;
  }

  /** Roughly what the index holds in memory (postings arrays, terms, per-document arrays), for metrics. */
  approximateBytes(): number {
    let bytes = this.scores.byteLength + this.covered.byteLength;
    for (const [term, postings] of this.terms)
      bytes += postings.slots.byteLength + postings.frequencies.byteLength + term.length * 2 + 64;
    // rowid, length and slot entries (~8 bytes each plus map overhead) and the id strings.
    bytes += this.rowids.length * 48;
    for (const id of this.documentIds) bytes += id.length * 2;
    return bytes;
  }

  /** Slots held by removed or replaced documents; rebuild when they outnumber the live ones. */
  get deadSlots(): number {
    return this.rowids.length - this.slotOfRowid.size;
  }

  /** Adds a document, replacing whatever was indexed under the same rowid. */
  upsert(rowid: number, documentId: string, tokens: string[]): void {
    this.remove(rowid);
    const counts = new Map<string, number>();
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    const slot = this.rowids.length;
    const postingsOfSlot: Postings[] = [];
    for (const [term, frequency] of counts) {
      let postings = this.terms.get(term);
      if (postings === undefined) {
        postings = new Postings();
        this.terms.set(term, postings);
        // The key, the map entry, the object and its two small typed arrays.
        this.bytes += 24 + term.length * 2 + 40 + 64 + 2 * 64 + INITIAL_POSTINGS * 6;
      }
      this.bytes += postings.add(slot, frequency);
      postingsOfSlot.push(postings);
    }
    this.rowids.push(rowid);
    this.documentIds.push(documentId);
    this.lengths.push(tokens.length);
    this.termsOfSlot.push(postingsOfSlot);
    this.slotOfRowid.set(rowid, slot);
    this.totalLength += tokens.length;
    this.bytes += 24 + documentId.length * 2 + 40 + 3 * 8 + 32 + postingsOfSlot.length * 8;
  }

  remove(rowid: number): void {
    const slot = this.slotOfRowid.get(rowid);
    if (slot === undefined) return;
    this.slotOfRowid.delete(rowid);
    for (const postings of this.termsOfSlot[slot]) postings.documentFrequency--;
    this.termsOfSlot[slot] = [];
    this.totalLength -= this.lengths[slot];
    this.lengths[slot] = -1;
  }

  /**
   * The coverage (see `TextHit.coverage`) a document made of `tokens` has for `terms`, with this index's
   * statistics: for hits found elsewhere (FTS5), so that they are judged as the index's own hits are.
   */
  coverage(terms: readonly string[] | ReadonlyMap<string, number>, tokens: Iterable<string>): number {
    const present = new Set(tokens);
    const documents = this.slotOfRowid.size;
    const idfs: number[] = [];
    let covered = 0;
    for (const [term, weight] of termWeights(terms)) {
      const frequencyInCorpus = this.terms.get(term)?.documentFrequency ?? 0;
      const idf =
        weight * Math.max(MIN_IDF, Math.log((documents - frequencyInCorpus + 0.5) / (frequencyInCorpus + 0.5)));
      idfs.push(idf);
      if (present.has(term)) covered += idf;
    }
    return idfs.length === 0 ? 0 : Math.min(1, covered / coreWeight(idfs));
  }

  /**
   * The `topK` best documents containing any of `terms` (already tokenized), best first; only `allowed`
   * rowids when given. `terms` is a list (a repeated term weighs once per repeat) or term → weight.
   */
  search(
    terms: readonly string[] | ReadonlyMap<string, number>,
    topK: number,
    allowed?: ReadonlySet<number>,
  ): TextHit[] {
    const documents = this.slotOfRowid.size;
    if (documents === 0 || topK <= 0) return [];
    const averageLength = this.totalLength / documents || 1;
    if (this.scores.length < this.rowids.length)
      this.scores = new Float64Array(Math.max(this.rowids.length, this.scores.length * 2));
    if (this.covered.length < this.scores.length) this.covered = new Float64Array(this.scores.length);
    const { scores, covered } = this;
    const touched: number[] = [];
    // A term the query repeats weighs once per repeat (query term frequency, as FTS5's bm25() counts it).
    const weights = termWeights(terms);
    const idfs: number[] = [];
    for (const [term, weight] of weights) {
      const postings = this.terms.get(term);
      const frequencyInCorpus = postings?.documentFrequency ?? 0;
      const idf =
        weight * Math.max(MIN_IDF, Math.log((documents - frequencyInCorpus + 0.5) / (frequencyInCorpus + 0.5)));
      idfs.push(idf);
      if (postings === undefined || frequencyInCorpus === 0) continue;
      const { slots, frequencies, size } = postings;
      const { lengths, rowids } = this;
      for (let position = 0; position < size; position++) {
        const slot = slots[position];
        const length = lengths[slot];
        if (length < 0 || (allowed !== undefined && !allowed.has(rowids[slot]))) continue;
        const frequency = frequencies[position];
        if (scores[slot] === 0) touched.push(slot);
        scores[slot] += (idf * frequency * (K1 + 1)) / (frequency + K1 * (1 - B + (B * length) / averageLength));
        covered[slot] += idf;
      }
    }
    const queryWeight = coreWeight(idfs);
    const best = selectBest(touched, scores, this.rowids, topK);
    const hits = best.map((slot) => ({
      rowid: this.rowids[slot],
      documentId: this.documentIds[slot],
      score: scores[slot],
      coverage: Math.min(1, covered[slot] / queryWeight),
    }));
    for (const slot of touched) {
      scores[slot] = 0;
      covered[slot] = 0;
    }
    return hits;
  }
}

/**
 * What full coverage means: the IDF weight of the query's `CORE_TERMS` heaviest terms. A short
 * request is all core (every word counts); a paragraph-long one is not expected to be matched
 * word for word, only its most informative words.
 */
function coreWeight(weights: number[]): number {
  return (
    weights
      .sort((left, right) => right - left)
      .slice(0, CORE_TERMS)
      .reduce((total, weight) => total + weight, 0) || 1
  );
}

function termWeights(terms: readonly string[] | ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  if (!Array.isArray(terms)) return terms as ReadonlyMap<string, number>;
  const weights = new Map<string, number>();
  for (const term of terms as readonly string[]) weights.set(term, (weights.get(term) ?? 0) + 1);
  return weights;
}

/**
 * The `k` slots with the highest score (ties: lower rowid first), best first, through a
 * size-k min-heap: O(n log k) over the touched slots instead of sorting all of them.
 */
function selectBest(slots: number[], scores: Float64Array, rowids: number[], k: number): number[] {
  const heap: number[] = [];
  // `a` ranks below `b`: lower score, or equal score and higher rowid.
  const below = (a: number, b: number) => scores[a] < scores[b] || (scores[a] === scores[b] && rowids[a] > rowids[b]);
  const siftDown = (start: number) => {
    let index = start;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && below(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && below(heap[right], heap[smallest])) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
      index = smallest;
    }
  };
  for (const slot of slots) {
    if (heap.length < k) {
      heap.push(slot);
      let index = heap.length - 1;
      while (index > 0) {
        const parent = (index - 1) >> 1;
        if (!below(heap[index], heap[parent])) break;
        [heap[index], heap[parent]] = [heap[parent], heap[index]];
        index = parent;
      }
    } else if (below(heap[0], slot)) {
      heap[0] = slot;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (below(a, b) ? 1 : below(b, a) ? -1 : 0));
}
