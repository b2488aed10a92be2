/**
 * @module cli/keys-command
 * `quarry keys create|list|revoke`: manage API keys of the first organization.
 */
import type { Store } from '../store/store.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../lib/api-key-secret.js';
import { bootstrap } from '../sessions/bootstrap.js';

export interface KeysOptions {
  name?: string;
  readOnly?: boolean;
  namespaces?: string[];
}

export async function keysCommand(store: Store, action: string | undefined, argument: string | undefined, options: KeysOptions, print: (line: string) => void): Promise<number> {
  const { orgId, createdKey } = await bootstrap(store, { now: Date.now });
  if (createdKey) {
    print('This data directory had no keys; created an admin key. Store it now; it is not shown again:');
    print(createdKey);
  }
  const scope = { orgId };
  switch (action) {
    case 'create': {
      const secret = generateApiKey();
      const key = await store.apiKeys.create(scope, {
        name: options.name ?? 'cli',
        keyHash: hashApiKey(secret),
        keyPrefix: apiKeyPrefix(secret),
        readOnly: options.readOnly ?? false,
        namespaces: options.namespaces && options.namespaces.length > 0 ? options.namespaces : null,
      });
      print(`Created key ${key.key_id} (${key.read_only ? 'read-only' : 'read-write'}${key.namespaces ? `, namespaces: ${key.namespaces.join(', ')}` : ''}).`);
      print('Store it now; it is not shown again:');
      print(secret);
      return 0;
    }
    case 'list': {
      const keys = await store.apiKeys.list(scope);
      print(['KEY ID', 'NAME', 'PREFIX', 'ACCESS', 'CREATED', 'LAST USED', 'STATUS'].join('\t'));
      for (const key of keys) {
        print(
          [
            key.key_id,
            key.name,
            `${key.key_prefix}…`,
            key.read_only ? 'read-only' : 'read-write',
            new Date(key.created_at).toISOString(),
            key.last_used_at ? new Date(key.last_used_at).toISOString() : '-',
            key.revoked_at ? 'revoked' : 'active',
          ].join('\t'),
        );
      }
      return 0;
    }
    case 'revoke': {
      if (!argument) {
        print('Usage: quarry keys revoke <key_id>   (see `quarry keys list`)');
        return 2;
      }
      const revoked = await store.apiKeys.revoke(scope, argument, Date.now());
      print(revoked ? `Revoked ${argument}.` : `No active key ${argument}.`);
      return revoked ? 0 : 1;
    }
    default:
      print('Usage: quarry keys create [--name NAME] [--read-only] [--namespace NS]... | list | revoke <key_id>');
      return 2;
  }
}
