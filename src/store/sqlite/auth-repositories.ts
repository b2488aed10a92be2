/**
 * @module store/sqlite/auth-repositories
 * Organizations and API keys.
 */
import type { SqliteDatabase } from './open-database.js';
import type { Store } from '../store.js';
import type { ApiKeyRecord, OrganizationRecord } from '../records.js';
import { newId } from '../../lib/ids.js';

interface ApiKeyRow extends Omit<ApiKeyRecord, 'read_only' | 'namespaces'> {
  read_only: number;
  namespaces: string | null;
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    ...row,
    read_only: row.read_only === 1,
    namespaces: row.namespaces ? (JSON.parse(row.namespaces) as string[]) : null,
  };
}

export function createOrganizationsRepository(db: SqliteDatabase, now: () => number): Store['organizations'] {
  return {
    async create(name) {
      const record: OrganizationRecord = { org_id: newId('int', 16), name, created_at: now() };
      db.prepare('INSERT INTO organizations (org_id, name, created_at) VALUES (?, ?, ?)').run(
        record.org_id,
        name,
        record.created_at,
      );
      return record;
    },
    async get(orgId) {
      return (
        (db.prepare('SELECT * FROM organizations WHERE org_id = ?').get(orgId) as OrganizationRecord | undefined) ??
        null
      );
    },
    async first() {
      return (
        (db.prepare('SELECT * FROM organizations ORDER BY created_at, org_id LIMIT 1').get() as
          OrganizationRecord | undefined) ?? null
      );
    },
    async count() {
      return (db.prepare('SELECT COUNT(*) AS n FROM organizations').get() as { n: number }).n;
    },
  };
}

export function createApiKeysRepository(db: SqliteDatabase, now: () => number): Store['apiKeys'] {
  const byHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE key_id = ?');
  return {
    async create(scope, input) {
      const row: ApiKeyRow = {
        key_id: newId('key', 16),
        org_id: scope.orgId,
        name: input.name,
        key_prefix: input.keyPrefix,
        read_only: input.readOnly ? 1 : 0,
        namespaces: input.namespaces ? JSON.stringify(input.namespaces) : null,
        created_at: now(),
        last_used_at: null,
        revoked_at: null,
      };
      db.prepare(
        `INSERT INTO api_keys (key_id, org_id, name, key_hash, key_prefix, read_only, namespaces, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.key_id,
        row.org_id,
        row.name,
        input.keyHash,
        row.key_prefix,
        row.read_only,
        row.namespaces,
        row.created_at,
      );
      return toApiKey(row);
    },
    async findByHash(keyHash) {
      const row = byHash.get(keyHash) as (ApiKeyRow & { key_hash: string }) | undefined;
      if (!row) return null;
      const { key_hash: _hash, ...rest } = row;
      return toApiKey(rest);
    },
    async list(scope) {
      const rows = db
        .prepare(
          'SELECT key_id, org_id, name, key_prefix, read_only, namespaces, created_at, last_used_at, revoked_at FROM api_keys WHERE org_id = ? ORDER BY created_at, key_id',
        )
        .all(scope.orgId) as ApiKeyRow[];
      return rows.map(toApiKey);
    },
    async listAll() {
      const rows = db
        .prepare(
          'SELECT key_id, org_id, name, key_prefix, read_only, namespaces, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, key_id',
        )
        .all() as ApiKeyRow[];
      return rows.map(toApiKey);
    },
    async revoke(scope, keyId, at) {
      const result = db
        .prepare('UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND key_id = ? AND revoked_at IS NULL')
        .run(at, scope.orgId, keyId);
      return result.changes > 0;
    },
    async countActive() {
      return (db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL').get() as { n: number }).n;
    },
    async touch(keyId, at) {
      touch.run(at, keyId);
    },
  };
}
