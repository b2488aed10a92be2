/**
 * @module store/postgres/sql-parameters
 * The `$n` parameter builder every PostgreSQL repository uses, so SQL text
 * never holds a value.
 */

/** Collects bound values and answers their `$n` placeholders, so SQL text never holds a value. */
export class Parameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A JSON value bound as text and cast, so arrays never become PostgreSQL arrays. */
  json(value: unknown): string {
    return `${this.add(value === undefined ? null : JSON.stringify(value))}::jsonb`;
  }

  list(values: unknown[]): string {
    return values.map((value) => this.add(value)).join(', ');
  }
}
