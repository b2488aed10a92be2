import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite/create-sqlite-store.js';
import { bootstrap, ensureDefaultNamespace } from '../sessions/bootstrap.js';
import { hashApiKey } from '../lib/api-key-secret.js';
import { keysCommand } from './keys-command.js';

describe('quarry keys', () => {
  it("binds a namespace-scoped key to the namespace ids, refuses unknown names, and lists and revokes every organization's keys", async () => {
    const store = createSqliteStore({ dataDir: ':memory:' });
    const { orgId } = await bootstrap(store, { apiKey: 'sk_first_admin_key_0123456789', now: Date.now });
    const prod = await store.namespaces.create(
      { orgId },
      {
        namespace_id: 'ns_prod000000000001',
        namespace_name: 'prod',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    const lines: string[] = [];
    const print = (line: string) => void lines.push(line);
    expect(await keysCommand(store, 'create', undefined, { namespaces: ['prod'] }, print)).toBe(0);
    const secret = lines.at(-1)!;
    expect((await store.apiKeys.findByHash(hashApiKey(secret)))!.namespaces).toEqual([prod.namespace_id]);
    expect(lines.join('\n')).toContain(`organization ${orgId}`);
    expect(await keysCommand(store, 'create', undefined, { namespaces: ['nope'] }, print)).toBe(1);
    expect(lines.at(-1)).toMatch(/No namespace 'nope'/);

    const other = await store.organizations.create('other');
    await ensureDefaultNamespace(store, other.org_id, Date.now());
    lines.length = 0;
    expect(await keysCommand(store, 'create', undefined, { apiKey: undefined }, print)).toBe(0);
    const otherKey = await store.apiKeys.create(
      { orgId: other.org_id },
      {
        name: 'theirs',
        keyHash: hashApiKey('sk_other_org_key'),
        keyPrefix: 'sk_other',
        readOnly: false,
        namespaces: null,
      },
    );
    lines.length = 0;
    await keysCommand(store, 'list', undefined, {}, print);
    expect(lines.some((line) => line.startsWith(otherKey.key_id) && line.includes(other.org_id))).toBe(true);
    expect(await keysCommand(store, 'revoke', otherKey.key_id, {}, print)).toBe(0);
    expect(await store.apiKeys.findByHash(hashApiKey('sk_other_org_key'))).toBeNull();
    await expect(keysCommand(store, 'list', undefined, { apiKey: 'sk_typo' }, print)).rejects.toThrow(
      /not an active key/,
    );
    await store.close();
  });
});
