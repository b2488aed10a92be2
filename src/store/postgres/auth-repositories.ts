/**
 * @module store/postgres/auth-repositories
 * Organizations and API keys.
 */
import type { PostgresDatabase } from './postgres-database.js';
import type { Store } from '../store.js';
import type { ApiKeyRecord, OrganizationRecord } from '../records.js';
import { newId } from '../../lib/ids.js';

const KEY_COLUMNS = 'key_id, org_id, name, key_prefix, read_only, namespaces, created_at, last_used_at, revoked_at';

export function createOrganizationsRepository(database: PostgresDatabase, now: () => number): Store['organizations'] {
  return {
    async create(name) {
      const record: OrganizationRecord = { org_id: newId('int', 16), name, created_at: now() };
      await database.query('INSERT INTO organizations (org_id, name, created_at) VALUES ($1, $2, $3)', [
        record.org_id,
        name,
        record.created_at,
      ]);
      return record;
    },
    async get(orgId) {
      return (
        (await database.query<OrganizationRecord>('SELECT * FROM organizations WHERE org_id = $1', [orgId])).rows[0] ??
        null
      );
    },
    async first() {
      return (
        (await database.query<OrganizationRecord>('SELECT * FROM organizations ORDER BY created_at, org_id LIMIT 1'))
          .rows[0] ?? null
      );
    },
    async count() {
      return Number((await database.query<{ n: number }>('SELECT COUNT(*) AS n FROM organizations')).rows[0].n);
    },
  };
}

export function createApiKeysRepository(database: PostgresDatabase, now: () => number): Store['apiKeys'] {
  return {
    async create(scope, input) {
      const record: ApiKeyRecord = {
        key_id: newId('key', 16),
        org_id: scope.orgId,
        name: input.name,
        key_prefix: input.keyPrefix,
        read_only: input.readOnly,
        namespaces: input.namespaces,
        created_at: now(),
        last_used_at: null,
        revoked_at: null,
      };
      await database.query(
        `INSERT INTO api_keys (key_id, org_id, name, key_hash, key_prefix, read_only, namespaces, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
        [
          record.key_id,
          record.org_id,
          record.name,
          input.keyHash,
          record.key_prefix,
          record.read_only,
          input.namespaces ? JSON.stringify(input.namespaces) : null,
          record.created_at,
        ],
      );
      return record;
    },
    async findByHash(keyHash) {
      const { rows } = await database.query<ApiKeyRecord>(
        `SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
        [keyHash],
      );
      return rows[0] ?? null;
    },
    async list(scope) {
      return (
        await database.query<ApiKeyRecord>(
          `SELECT ${KEY_COLUMNS} FROM api_keys WHERE org_id = $1 ORDER BY created_at, key_id`,
          [scope.orgId],
        )
      ).rows;
    },
    async listAll() {
      return (await database.query<ApiKeyRecord>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, key_id`))
        .rows;
    },
    async revoke(scope, keyId, at) {
      const result = await database.query(
        'UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND key_id = $3 AND revoked_at IS NULL',
        [at, scope.orgId, keyId],
      );
      return result.rowCount > 0;
    },
    async countActive() {
      return Number(
        (await database.query<{ n: number }>('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL')).rows[0].n,
      );
    },
    async touch(keyId, at) {
      await database.query('UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2', [at, keyId]);
    },
  };
}
