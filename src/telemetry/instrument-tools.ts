/**
 * @module telemetry/instrument-tools
 * Each tool call as a span (`execute_tool <name>`, GenAI conventions) and a
 * counted result. The loop sees the same tools, only their `execute` wrapped;
 * a retriever a tool runs nests under the tool's span.
 */
import type { AgentTool } from '../agent/tool-definition.js';
import { inSpan, type Telemetry } from './telemetry.js';

export function instrumentTools(tools: AgentTool[], telemetry: Telemetry): AgentTool[] {
  const { tracer, metrics } = telemetry;
  return tools.map((tool) => {
    const source = tool.name.startsWith('mcp__') ? 'mcp' : 'builtin';
    const counted: AgentTool['execute'] = async (input, context) => {
      try {
        const outcome = await tool.execute(input, context);
        metrics.toolCall(source, true);
        return outcome;
      } catch (error) {
        metrics.toolCall(source, false);
        throw error;
      }
    };
    const execute: AgentTool['execute'] = !tracer
      ? counted
      : (input, context) =>
          inSpan(
            tracer,
            `execute_tool ${tool.name}`,
            {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': tool.name,
              'gen_ai.tool.call.id': context.toolCallId,
              'gen_ai.tool.type': 'function',
              'quarry.tool.source': source,
            },
            () => counted(input, context),
          );
    return { ...tool, execute };
  });
}
