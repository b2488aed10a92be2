/**
 * Validates streamed agent events against the published event schemas
 * (the JSON Schemas `GET /v1/agents/events/schema` serves, generated from
 * agent/events.ts), so no test can pass on an event that drifted from them.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { agentEventJsonSchemas, type AgentEventType } from '../../src/agent/events.js';
import type { SseFrame } from './sse.js';

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>(
  Object.entries(agentEventJsonSchemas()).map(([type, schema]) => [type, ajv.compile(schema)]),
);

export const AGENT_EVENT_TYPES = [...validators.keys()] as AgentEventType[];

/** Throws, naming the event and the problems, unless `data` is a valid payload of event `type`. */
export function validateAgentEvent(type: string, data: unknown): void {
  const validate = validators.get(type);
  if (!validate)
    throw new Error(
      `'${type}' is not one of the ${validators.size} published agent event types (${AGENT_EVENT_TYPES.join(', ')})`,
    );
  if (!validate(data)) {
    const problems = (validate.errors ?? [])
      .map((error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`)
      .join('; ');
    throw new Error(
      `'${type}' event does not match the published schema: ${problems}\n${JSON.stringify(data).slice(0, 500)}`,
    );
  }
}

/** Validates every frame of an agent stream (frames without an event name are not agent events) and returns them. */
export function validAgentFrames<Frames extends SseFrame[]>(frames: Frames): Frames {
  for (const frame of frames) validateAgentEvent(frame.event ?? '(no event name)', frame.data);
  return frames;
}
