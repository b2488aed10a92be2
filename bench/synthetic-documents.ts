/**
 * @module bench/synthetic-documents
 * Short, varied documents for the retrieval benchmark, built from the demo
 * generator's phrase banks (scripts/demo-data) without its uniqueness
 * retries, which cost ~15 s per 100k. Deterministic (seeded), so two runs
 * index the same text. `category` takes one of ten values uniformly, so
 * `category eq X` matches ~10%.
 */
import { createRandom, DEMO_TOPICS } from '../scripts/generate-demo-data.js';

export const CATEGORIES = [
  'news',
  'howto',
  'review',
  'interview',
  'lecture',
  'vlog',
  'documentary',
  'podcast',
  'tutorial',
  'livestream',
] as const;

export interface SyntheticDocument {
  title: string;
  description: string;
  topic: string;
  category: string;
  level: string;
  year: number;
  views: number;
}

const LEVELS = ['beginner', 'intermediate', 'advanced'];

function fill(template: string, slots: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = slots[name.charAt(0).toLowerCase() + name.slice(1)];
    if (value === undefined) return match;
    return name.charAt(0) === name.charAt(0).toUpperCase() ? value.charAt(0).toUpperCase() + value.slice(1) : value;
  });
}

export function createDocumentGenerator(seed: number) {
  const random = createRandom(seed);
  return {
    next(): SyntheticDocument {
      const topic = random.pick(DEMO_TOPICS);
      const [subject, subject2] = random.pickDistinct(topic.subjects, 2);
      const slots = {
        subject,
        subject2,
        tool: random.pick(topic.tools),
        n: String(random.int(3, 12)),
        topic: topic.topic,
      };
      const sentences = [random.pick(topic.openers), random.pick(topic.details)];
      if (random.next() < 0.5) sentences.push(random.pick(topic.outcomes));
      return {
        title: fill(random.pick(topic.titles), slots),
        description: sentences.map((sentence) => fill(sentence, slots)).join(' '),
        topic: topic.topic,
        category: CATEGORIES[random.int(0, CATEGORIES.length - 1)],
        level: random.pick(LEVELS),
        year: random.int(2015, 2026),
        views: random.int(10, 1_000_000),
      };
    },
    batch(size: number): SyntheticDocument[] {
      return Array.from({ length: size }, () => this.next());
    },
  };
}

/** Search queries in the same vocabulary: a subject, sometimes with its topic or a tool. */
export function createQueries(seed: number, count: number): string[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const topic = random.pick(DEMO_TOPICS);
    const subject = random.pick(topic.subjects);
    const roll = random.next();
    if (roll < 0.4) return subject;
    if (roll < 0.7) return `${subject} ${topic.topic}`;
    return `${topic.topic} with ${random.pick(topic.tools)}`;
  });
}
