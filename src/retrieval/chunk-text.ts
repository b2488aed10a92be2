/**
 * @module retrieval/chunk-text
 * The text_extractor's chunking (`split_by`, `chunk_size`, `chunk_overlap`):
 * size and overlap count units of the chosen kind (characters, words,
 * sentences, paragraphs, pages).
 */
export type SplitBy = 'characters' | 'words' | 'sentences' | 'paragraphs' | 'pages' | 'none';

export interface ChunkOptions {
  splitBy: SplitBy;
  chunkSize: number;
  chunkOverlap: number;
}

export function chunkText(text: string, options: ChunkOptions): string[] {
  if (options.splitBy === 'none' || text.length === 0) return [text];
  const units = splitUnits(text, options.splitBy);
  const joiner =
    options.splitBy === 'characters'
      ? ''
      : options.splitBy === 'words'
        ? ' '
        : options.splitBy === 'sentences'
          ? ' '
          : '\n\n';
  const size = Math.max(1, options.chunkSize);
  // An overlap as large as the chunk would never advance; keep at least one new unit per chunk.
  const step = Math.max(1, size - Math.min(options.chunkOverlap, size - 1));
  const chunks: string[] = [];
  for (let start = 0; start < units.length; start += step) {
    chunks.push(
      units
        .slice(start, start + size)
        .join(joiner)
        .trim(),
    );
    if (start + size >= units.length) break;
  }
  return chunks.filter((chunk) => chunk.length > 0);
}

function splitUnits(text: string, splitBy: Exclude<SplitBy, 'none'>): string[] {
  switch (splitBy) {
    case 'characters':
      return Array.from(text);
    case 'words':
      return text.split(/\s+/).filter(Boolean);
    case 'sentences':
      return (text.match(/[^.!?\n]+(?:[.!?]+|\n|$)/g) ?? [text]).map((sentence) => sentence.trim()).filter(Boolean);
    case 'paragraphs':
      return text
        .split(/\n\s*\n/)
        .map((paragraph) => paragraph.trim())
        .filter(Boolean);
    case 'pages':
      return text
        .split('\f')
        .map((page) => page.trim())
        .filter(Boolean);
  }
}
