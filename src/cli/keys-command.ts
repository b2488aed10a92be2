/**
 * @module cli/keys-command
 * `quarry keys create|list|revoke`: the operator's view of API keys.
 * `create` acts on the organization of QUARRY_API_KEY (the first one when
 * unset) and says which; `list` and `revoke` see every organization's keys.
 * A key limited to namespaces is bound to their ids, resolved now: renaming
 * a namespace later neither widens nor moves the key.
 */
import type { Store } from '../store/store.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../lib/api-key-secret.js';
import { bootstrap } from '../sessions/bootstrap.js';

export interface KeysOptions {
  name?: string;
  readOnly?: boolean;
  namespaces?: string[];
  /** QUARRY_API_KEY: the organization `create` acts on. */
  apiKey?: string;
}

export async function keysCommand(
  store: Store,
  action: string | undefined,
  argument: string | undefined,
  options: KeysOptions,
  print: (line: string) => void,
): Promise<number> {
  const { orgId, createdKey } = await bootstrap(store, { apiKey: options.apiKey, now: Date.now });
  if (createdKey) {
    print('This data directory had no keys; created an admin key. Store it now; it is not shown again:');
    print(createdKey);
  }
  const scope = { orgId };
  switch (action) {
    case 'create': {
      const requested = options.namespaces ?? [];
      const namespaceIds: string[] = [];
      for (const identifier of requested) {
        const namespace = await store.namespaces.resolve(scope, identifier);
        if (!namespace) {
          print(`No namespace '${identifier}' in organization ${orgId}; create it first (POST /v1/namespaces).`);
          return 1;
        }
        namespaceIds.push(namespace.namespace_id);
      }
      const secret = generateApiKey();
      const key = await store.apiKeys.create(scope, {
        name: options.name ?? 'cli',
        keyHash: hashApiKey(secret),
        keyPrefix: apiKeyPrefix(secret),
        readOnly: options.readOnly ?? false,
        namespaces: namespaceIds.length > 0 ? [...new Set(namespaceIds)] : null,
      });
      print(
        `Created key ${key.key_id} in organization ${orgId} (${key.read_only ? 'read-only' : 'read-write'}${key.namespaces ? `, namespaces: ${requested.map((name, index) => `${name} (${namespaceIds[index]})`).join(', ')}` : ''}).`,
      );
      print('Store it now; it is not shown again:');
      print(secret);
      return 0;
    }
    case 'list': {
      const keys = await store.apiKeys.listAll();
      print(
        ['KEY ID', 'ORGANIZATION', 'NAME', 'PREFIX', 'ACCESS', 'NAMESPACES', 'CREATED', 'LAST USED', 'STATUS'].join(
          '\t',
        ),
      );
      for (const key of keys) {
        print(
          [
            key.key_id,
            key.org_id,
            key.name,
            `${key.key_prefix}…`,
            key.read_only ? 'read-only' : 'read-write',
            key.namespaces ? key.namespaces.join(',') : 'all',
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
      const key = (await store.apiKeys.listAll()).find((candidate) => candidate.key_id === argument);
      const revoked = key ? await store.apiKeys.revoke({ orgId: key.org_id }, argument, Date.now()) : false;
      print(revoked ? `Revoked ${argument} (organization ${key!.org_id}).` : `No active key ${argument}.`);
      return revoked ? 0 : 1;
    }
    default:
      print('Usage: quarry keys create [--name NAME] [--read-only] [--namespace NS]... | list | revoke <key_id>');
      return 2;
  }
}
