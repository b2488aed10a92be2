/**
 * @module scripts/generate-demo-data
 * Writes `data/demo/videos.jsonl`: a synthetic, deterministic video catalogue
 * written for Quarry's demo. Every item is assembled from the topic phrase
 * banks in `scripts/demo-data/` with a seeded PRNG, so the same seed always
 * produces byte-identical output and the committed file can be checked.
 *
 * Run: `npx tsx scripts/generate-demo-data.ts [--count 2400] [--seed 20261123]`
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  KNOWLEDGE_LEVEL_TITLES,
  LEVEL_SENTENCES,
  LEVEL_TITLES,
  type Level,
  type TopicBank,
} from './demo-data/topic-bank.js';
import { CRAFT_TOPICS } from './demo-data/topics-crafts.js';
import { LIFESTYLE_TOPICS } from './demo-data/topics-lifestyle.js';
import { SCIENCE_TOPICS } from './demo-data/topics-science.js';
import { TECHNOLOGY_TOPICS } from './demo-data/topics-technology.js';

export interface DemoVideo {
  title: string;
  description: string;
  tags: string[];
  channel: string;
  category: string;
  duration_seconds: number;
  published_at: string;
  views: number;
  likes: number;
  language: string;
  level: Level;
}

export const DEMO_TOPICS: TopicBank[] = [...TECHNOLOGY_TOPICS, ...SCIENCE_TOPICS, ...LIFESTYLE_TOPICS, ...CRAFT_TOPICS];
export const DEFAULT_COUNT = 2400;
export const DEFAULT_SEED = 20261123;
export const DEMO_FILE = fileURLToPath(new URL('../data/demo/videos.jsonl', import.meta.url));

const FIRST_DAY = Date.UTC(2019, 0, 1);
const LAST_DAY = Date.UTC(2026, 10, 15);
const DAY_MS = 86_400_000;
const SMALL_WORDS = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'by',
  'for',
  'from',
  'in',
  'of',
  'on',
  'or',
  'the',
  'to',
  'vs',
  'with',
]);

/** mulberry32: tiny, fast and identical on every platform, which Math.random is not. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const pickDistinct = <T>(items: readonly T[], count: number): T[] => shuffle([...items]).slice(0, count);
  const shuffle = <T>(items: T[]): T[] => {
    for (let index = items.length - 1; index > 0; index--) {
      const other = Math.floor(next() * (index + 1));
      [items[index], items[other]] = [items[other], items[index]];
    }
    return items;
  };
  return { next, int, pick, pickDistinct, shuffle };
}
type Random = ReturnType<typeof createRandom>;

export function generateDemoVideos(count = DEFAULT_COUNT, seed = DEFAULT_SEED): DemoVideo[] {
  const random = createRandom(seed);
  const totalWeight = DEMO_TOPICS.reduce((sum, topic) => sum + topic.weight, 0);
  const plan: TopicBank[] = [];
  for (const topic of DEMO_TOPICS) {
    const share = Math.round((count * topic.weight) / totalWeight);
    for (let index = 0; index < share; index++) plan.push(topic);
  }
  // Rounding may leave the plan a few items off; the first topic absorbs the difference.
  while (plan.length < count) plan.push(DEMO_TOPICS[0]);
  plan.length = count;
  random.shuffle(plan);
  const titles = new Set<string>();
  const descriptions = new Set<string>();
  return plan.map((topic) => createVideo(topic, random, titles, descriptions));
}

function createVideo(topic: TopicBank, random: Random, titles: Set<string>, descriptions: Set<string>): DemoVideo {
  const level = pickLevel(random);
  // The non-English channel (listed last) publishes less often, as smaller local channels do.
  const channel = random.next() < 0.14 ? topic.channels[2] : topic.channels[random.int(0, 1)];
  let title = '';
  let description = '';
  let slots: Record<string, string> = {};
  for (let attempt = 0; attempt < 40; attempt++) {
    const [subject, subject2] = random.pickDistinct(topic.subjects, 2);
    slots = { subject, subject2, tool: random.pick(topic.tools), n: String(random.int(3, 12)), topic: topic.topic };
    const template = pickTitleTemplate(topic, level, random);
    title = titleCase(fill(template, slots));
    description = describe(topic, level, slots, random);
    if (!titles.has(title) && !descriptions.has(description)) break;
  }
  // Very unlikely after 40 attempts, but a series episode number keeps titles unique regardless.
  for (let part = 2; titles.has(title); part++) title = title.replace(/( \(Part \d+\))?$/, ` (Part ${part})`);
  titles.add(title);
  descriptions.add(description);
  const published = FIRST_DAY + random.int(0, (LAST_DAY - FIRST_DAY) / DAY_MS) * DAY_MS;
  const ageFraction = (LAST_DAY - published) / (LAST_DAY - FIRST_DAY);
  const views = Math.round(10 ** (2.2 + 3.9 * random.next() ** 1.4) * (0.35 + 0.65 * ageFraction));
  const [minimum, maximum] = topic.durationSeconds;
  return {
    title,
    description,
    tags: pickTags(topic, level, slots, random),
    channel: channel.name,
    category: topic.category,
    duration_seconds: Math.round(minimum + (maximum - minimum) * random.next() ** 1.6),
    published_at: new Date(published).toISOString().slice(0, 10),
    views,
    likes: Math.round(views * (0.012 + 0.05 * random.next())),
    language: channel.language,
    level,
  };
}

function pickTitleTemplate(topic: TopicBank, level: Level, random: Random): string {
  if (topic.titleStyle === 'place' || random.next() < 0.55) return random.pick(topic.titles);
  return random.pick(topic.titleStyle === 'skill' ? LEVEL_TITLES[level] : KNOWLEDGE_LEVEL_TITLES[level]);
}

function pickLevel(random: Random): Level {
  const roll = random.next();
  return roll < 0.4 ? 'beginner' : roll < 0.78 ? 'intermediate' : 'advanced';
}

/** Two to four sentences: an opener, one or two concrete details, then an audience note or an outcome. */
function describe(topic: TopicBank, level: Level, slots: Record<string, string>, random: Random): string {
  const [firstDetail, secondDetail] = random.pickDistinct(topic.details, 2);
  const sentences = [random.pick(topic.openers), firstDetail];
  const length = random.int(2, 4);
  if (length === 4) sentences.push(secondDetail);
  if (length >= 3)
    sentences.push(random.next() < 0.55 ? random.pick(LEVEL_SENTENCES[level]) : random.pick(topic.outcomes));
  return sentences.map((sentence) => capitalize(fill(sentence, slots))).join(' ');
}

function pickTags(topic: TopicBank, level: Level, slots: Record<string, string>, random: Random): string[] {
  const tags = [
    topic.topic,
    slots.subject.toLowerCase().replace(/^the /, ''),
    ...random.pickDistinct(topic.tags, random.int(2, 4)),
  ];
  if (level === 'beginner' && random.next() < 0.6) tags.push('beginner friendly');
  if (random.next() < 0.3) tags.push(slots.tool.toLowerCase().replace(/^(a|an|the) /, ''));
  return [...new Set(tags)];
}

function fill(template: string, slots: Record<string, string>): string {
  return template.replace(
    /\{(\w+)\}/g,
    (match, name: string) => slots[name.charAt(0).toLowerCase() + name.slice(1)] ?? match,
  );
}

/** Title case that leaves acronyms and brand spellings (XGBoost, iPhone) alone and keeps small words lower. */
export function titleCase(text: string): string {
  return text
    .split(' ')
    .map((word, position) => {
      if (/[A-Z]/.test(word)) return word;
      if (position > 0 && SMALL_WORDS.has(word)) return word;
      return word.replace(
        /(^|[-/])([a-z])/g,
        (_match, separator: string, letter: string) => separator + letter.toUpperCase(),
      );
    })
    .join(' ');
}

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function readFlag(name: string, fallback: number): number {
  const position = process.argv.indexOf(`--${name}`);
  const value = position === -1 ? undefined : Number(process.argv[position + 1]);
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const videos = generateDemoVideos(readFlag('count', DEFAULT_COUNT), readFlag('seed', DEFAULT_SEED));
  const text = videos.map((video) => JSON.stringify(video)).join('\n') + '\n';
  writeFileSync(DEMO_FILE, text);
  console.log(`wrote ${videos.length} videos (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB) to ${DEMO_FILE}`);
}
