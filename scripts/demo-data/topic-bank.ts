/**
 * @module scripts/demo-data/topic-bank
 * The shape of one topic's phrase banks for the synthetic video catalogue,
 * plus the templates every topic shares. Templates use `{subject}`,
 * `{Subject}` (title case), `{subject2}`, `{tool}`, `{n}` and `{topic}`.
 * Many small banks combined give thousands of distinct descriptions.
 */

export type Level = 'beginner' | 'intermediate' | 'advanced';

export interface Channel {
  name: string;
  /** Spoken language of the channel's videos (ISO 639-1). */
  language: string;
}

export interface TopicBank {
  topic: string;
  category: string;
  /** Relative share of the catalogue; machine learning is weighted up so demos have plenty to find. */
  weight: number;
  channels: Channel[];
  subjects: string[];
  tools: string[];
  /** Topic-specific title templates. */
  titles: string[];
  /** First sentence: what the video is about. */
  openers: string[];
  /** Middle sentences: something concrete the video shows. */
  details: string[];
  /** Closing sentences: what the viewer walks away with. */
  outcomes: string[];
  tags: string[];
  durationSeconds: [number, number];
  /**
   * Which generic titles fit: skills take "Getting Started with X", subjects of
   * knowledge only the explanatory ones, places none ("Mastering Kyoto" reads badly).
   */
  titleStyle: 'skill' | 'knowledge' | 'place';
}

export const LEVEL_TITLES: Record<Level, string[]> = {
  beginner: [
    '{Subject} for Beginners', '{Subject} Explained Simply', 'Getting Started with {Subject}',
    'Your First Steps in {Subject}', '{Subject} in {n} Minutes', 'A Gentle Introduction to {Subject}',
    '{Subject}: The Absolute Basics', 'What Is {Subject}? A Friendly Overview',
  ],
  intermediate: [
    '{Subject}: A Practical Walkthrough', '{n} Mistakes People Make with {Subject}', 'How I Use {Subject} with {tool}',
    '{Subject} Deep Dive', 'Level Up Your {Subject}', '{Subject} vs {Subject2}: Which One When?',
    'A Real-World {Subject} Project', '{Subject} Done Right',
  ],
  advanced: [
    'Advanced {Subject} with {tool}', '{Subject} Under the Hood', 'Mastering {Subject}',
    'The Hard Parts of {Subject}', 'Edge Cases in {Subject} Nobody Mentions', '{Subject} at Scale',
    'Rethinking {Subject}: An Expert Session',
  ],
};

export const KNOWLEDGE_LEVEL_TITLES: Record<Level, string[]> = {
  beginner: [
    '{Subject} for Beginners', '{Subject} Explained Simply', 'A Gentle Introduction to {Subject}',
    'What Is {Subject}? A Friendly Overview', '{Subject} in {n} Minutes',
  ],
  intermediate: ['{Subject} Deep Dive', '{Subject}: Beyond the Basics', 'Understanding {Subject}'],
  advanced: ['{Subject}: An Expert Session', 'The Open Questions About {Subject}', '{Subject} in Depth'],
};

export const LEVEL_SENTENCES: Record<Level, string[]> = {
  beginner: [
    'No prior experience is assumed; every term is explained the first time it appears.',
    'It is aimed at complete newcomers to {topic}, so it goes slowly and repeats the key ideas.',
    'If you have always found {topic} intimidating, this is a calm place to start.',
    'Everything shown can be followed along with free tools and a spare afternoon.',
    'Pause whenever you like: each step is short and builds on the last one.',
  ],
  intermediate: [
    'It assumes you know the basics of {topic} and want more consistent results.',
    'Viewers who have tried {subject} once or twice will get the most out of it.',
    'The pace is brisk but every decision is explained rather than just shown.',
    'It is a good next step once the beginner material starts to feel repetitive.',
    'Expect a few detours into the trade-offs that tutorials usually skip.',
  ],
  advanced: [
    'This one moves fast and assumes you are comfortable with {subject2}.',
    'It is meant for practitioners who already use {subject} and want the finer points.',
    'Some of the material is opinionated, and the reasons behind each opinion are given.',
    'The session skips the introductions and goes straight to the difficult cases.',
    'Bring your own experience: the examples are deliberately messy and realistic.',
  ],
};
