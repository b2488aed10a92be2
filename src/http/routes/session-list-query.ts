/**
 * @module http/routes/session-list-query
 * Turns the list body's `filters` into a typed store query, rejecting
 * what it does not understand with the field named.
 */
import type { z } from 'zod';
import type { SessionListQuery } from '../../store/store.js';
import type { listSessionsRequestSchema } from '../schemas/session-schemas.js';
import { errors, type ValidationIssue } from '../../errors.js';

type Filters = NonNullable<z.infer<typeof listSessionsRequestSchema>['filters']>;
const KNOWN = ['user_id', 'session_name', 'metadata', 'created_at', 'updated_at', 'last_activity_at'];
const RANGE_FIELDS = ['created_at', 'updated_at', 'last_activity_at'] as const;
const PATH_SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;

export function toSessionFilters(
  filters: Filters | null | undefined,
): Pick<SessionListQuery, 'userIds' | 'nameContains' | 'metadata' | 'ranges'> {
  const result: Pick<SessionListQuery, 'userIds' | 'nameContains' | 'metadata' | 'ranges'> = {
    metadata: [],
    ranges: [],
  };
  if (!filters) return result;
  const issues: ValidationIssue[] = [];
  if (filters.user_id !== undefined)
    result.userIds = Array.isArray(filters.user_id) ? filters.user_id : [filters.user_id];
  if (filters.session_name) result.nameContains = filters.session_name;

  const addMetadata = (path: string[], value: unknown, location: (string | number)[]) => {
    if (path.some((segment) => !PATH_SEGMENT.test(segment))) {
      issues.push({
        type: 'value_error',
        location,
        message: 'Metadata filter paths are dot-separated names of letters, digits, _ and -.',
      });
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const operators = value as Record<string, unknown>;
      if (Array.isArray(operators.in)) return result.metadata!.push({ path, values: operators.in });
      if ('eq' in operators) return result.metadata!.push({ path, values: [operators.eq] });
      for (const [key, nested] of Object.entries(operators)) addMetadata([...path, key], nested, [...location, key]);
      return;
    }
    result.metadata!.push({ path, values: Array.isArray(value) ? value : [value] });
  };

  for (const [key, value] of Object.entries(filters)) {
    if (key === 'metadata' && value && typeof value === 'object') {
      for (const [field, nested] of Object.entries(value))
        addMetadata(field.split('.'), nested, ['body', 'filters', 'metadata', field]);
    } else if (key.startsWith('metadata.')) {
      addMetadata(key.slice('metadata.'.length).split('.'), value, ['body', 'filters', key]);
    } else if (!KNOWN.includes(key)) {
      issues.push({
        type: 'unknown_filter',
        location: ['body', 'filters', key],
        message: `Unknown filter '${key}'. Supported: ${KNOWN.join(', ')}, or metadata.<path>.`,
      });
    }
  }
  for (const field of RANGE_FIELDS) {
    const range = filters[field];
    if (!range) continue;
    const bound = (text: string | undefined, name: string) => {
      if (text === undefined) return undefined;
      const time = Date.parse(text);
      if (Number.isNaN(time)) {
        issues.push({
          type: 'datetime',
          location: ['body', 'filters', field, name],
          message: `'${text}' is not an ISO 8601 date-time.`,
        });
        return undefined;
      }
      return time;
    };
    const gte = bound(range.gte, 'gte');
    const gt = bound(range.gt, 'gt');
    const lte = bound(range.lte, 'lte');
    const lt = bound(range.lt, 'lt');
    result.ranges!.push({ field, gte: gt !== undefined ? gt + 1 : gte, lte: lt !== undefined ? lt - 1 : lte });
  }
  if (issues.length > 0) throw errors.validation(issues);
  return result;
}
