/**
 * @module bench/demo-queries
 * The demo catalogue as a second, independent check of search quality:
 * requests a user would type, with the expected videos derived from how the
 * generator builds them (scripts/generate-demo-data.ts): every video's first
 * tag is its topic and its second its subject, and `level` is its level.
 * A request is answered well when its top 5 are videos of that subject (and
 * level, when it asks for one). "No match" requests name things no video is
 * about (the catalogue has no music instruments, pets, water sports...);
 * some share a common word with it ("training", "lessons", "repair") on
 * purpose, so that a word match alone is not enough.
 */
import type { DemoVideo } from '../scripts/generate-demo-data.js';

export interface DemoQuery {
  request: string;
  /** The subject tag (lower case, no leading "the") the answer must carry; null: nothing fits. */
  subject: string | null;
  level?: DemoVideo['level'];
}

const about = (request: string, subject: string, level?: DemoVideo['level']): DemoQuery => ({
  request,
  subject,
  ...(level && { level }),
});
const none = (request: string): DemoQuery => ({ request, subject: null });

export const DEMO_QUERIES: DemoQuery[] = [
  about('Find beginner videos about sourdough', 'sourdough bread'),
  about('Show me videos about the Silk Road', 'silk road'),
  about('kettlebell swing technique', 'kettlebell swings'),
  about('How do I fix a leaky tap?', 'fixing a leaky tap'),
  about('videos on gradient boosting', 'gradient boosting'),
  about('Explain black holes', 'black holes'),
  about('Norwegian fjords travel', 'norwegian fjords'),
  about('mortise and tenon joints', 'mortise and tenon joinery'),
  about('the Sicilian Defence in chess', 'sicilian defence'),
  about('compound interest explained', 'compound interest'),
  about('long exposure photography', 'long exposures'),
  about('sidechain compression tutorial', 'sidechain compression'),
  about('spaced repetition for vocabulary', 'spaced repetition'),
  about('Find videos about the printing press', 'printing press'),
  about('time blocking my calendar', 'time blocking'),
  about('how to caulk a bathtub', 'caulking a bathtub'),
  about('cross-validation for model selection', 'cross-validation'),
  about('generative adversarial networks', 'generative adversarial networks'),
  about('El Niño and the weather', 'el niño'),
  about('composting at home', 'composting'),
  about('pocket hole joinery', 'pocket-hole joinery'),
  about('Japanese kana practice', 'japanese kana'),
  about('deadlocks in databases', 'deadlocks'),
  about('Kotlin coroutines', 'kotlin coroutines'),
  about('core web vitals', 'core web vitals'),
  about('ice cores and past climates', 'ice cores'),
  about('Lisbon on foot', 'lisbon on foot'),
  about('dumplings from scratch', 'dumplings'),
  about('digital minimalism', 'digital minimalism'),
  about('the Hanseatic League', 'hanseatic league'),
  about('draught proofing windows', 'draught-proofing windows'),
  about('writing chord progressions', 'writing chord progressions'),
  about('spectroscopy of stars', 'spectroscopy'),
  about('shap values for model explanations', 'shap values'),
  about('elixir processes', 'elixir processes'),
  about('growing tomatoes', 'growing tomatoes'),
  none('Find videos about jazz piano'),
  none('knitting patterns for a scarf'),
  none('scuba diving certification'),
  none('surfing lessons for kids'),
  none('dog training tips'),
  none('wedding planning checklist'),
  none('bitcoin price prediction'),
  none('car engine repair'),
  none('skateboarding tricks'),
  none('violin lessons'),
  none('yoga for back pain'),
  none('ballet for adults'),
];

export function isExpected(query: DemoQuery, video: Pick<DemoVideo, 'tags' | 'level'>): boolean {
  return (
    query.subject !== null &&
    video.tags[1] === query.subject &&
    (query.level === undefined || video.level === query.level)
  );
}
