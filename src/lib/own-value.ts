/**
 * @module lib/own-value
 * Reads a key of a lookup table only if the table itself has it, so user
 * text such as `__proto__` or `constructor` never reaches Object.prototype.
 */
export function ownValue<Value>(table: Readonly<Record<string, Value>>, key: string): Value | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
