/**
 * @module main
 * The `quarry` command: serve | keys | ingest | demo | chat | migrate | export | import.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { openStore } from './store/open-store.js';
import { keysCommand } from './cli/keys-command.js';

const HELP = `quarry — agent sessions server (Mixpeek Agents API compatible)

Usage:
  quarry serve [--port N] [--host H] [--data-dir DIR] [--demo]   Start the API and playground
  quarry keys create [--name N] [--read-only] [--namespace NS]   Create an API key (printed once)
  quarry keys list | keys revoke <key_id>                        List or revoke keys
  quarry ingest <collection> <files or dirs…> [--namespace NS]   Load JSONL/JSON/CSV/Markdown/text/PDF
  quarry demo [--namespace NS]                                   Load the demo video catalog
  quarry chat [--session ID] [--namespace NS] [--url URL]        Chat in the terminal
  quarry migrate status|up                                       Schema version of the configured store; apply migrations
  quarry export --namespace NS > namespace.jsonl                 Write a namespace (collections, documents, retrievers, sessions)
  quarry import namespace.jsonl [--namespace NS]                 Load it into the configured store (SQLite or PostgreSQL)

Environment variables are listed in the README (QUARRY_PORT, QUARRY_DATA_DIR, …).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      demo: { type: 'boolean' },
      name: { type: 'string' },
      'read-only': { type: 'boolean' },
      namespace: { type: 'string', multiple: true },
      session: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'serve', ...rest] = positionals;
  if (values.help || command === 'help') {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig(process.env, {
    port: values.port,
    host: values.host,
    dataDir: values['data-dir'],
    loadDemo: values.demo === true ? true : undefined,
  });
  const namespaces = (values.namespace as string[] | undefined) ?? [];

  switch (command) {
    case 'serve': {
      // Loaded only here: the HTTP stack is most of the start-up time, and the other commands never need it.
      const { closeOnSignals, startServer } = await import('./server.js');
      const server = await startServer(config, {
        onReady: config.loadDemo
          ? async (store, orgId) => {
              const { loadDemo } = await import('./cli/demo-command.js');
              await loadDemo(store, config, orgId, { namespace: namespaces[0] ?? 'default', quiet: true });
            }
          : undefined,
      });
      closeOnSignals(server);
      return new Promise<number>(() => {});
    }
    case 'keys': {
      const store = await openStore(config);
      try {
        return await keysCommand(
          store,
          rest[0],
          rest[1],
          {
            name: values.name as string | undefined,
            readOnly: values['read-only'] === true,
            namespaces,
            apiKey: config.apiKey,
          },
          console.log,
        );
      } finally {
        await store.close();
      }
    }
    case 'demo': {
      const store = await openStore(config);
      try {
        const { loadDemo } = await import('./cli/demo-command.js');
        const { bootstrap } = await import('./sessions/bootstrap.js');
        const { orgId } = await bootstrap(store, { apiKey: config.apiKey, now: Date.now });
        await loadDemo(store, config, orgId, { namespace: namespaces[0] ?? 'default', quiet: false });
        return 0;
      } finally {
        await store.close();
      }
    }
    case 'ingest': {
      const { ingestCommand } = await import('./cli/ingest-command.js');
      const store = await openStore(config);
      try {
        return await ingestCommand(store, config, {
          collection: rest[0],
          paths: rest.slice(1),
          namespace: namespaces[0] ?? 'default',
        });
      } finally {
        await store.close();
      }
    }
    case 'chat': {
      const { chatCommand } = await import('./cli/chat-command.js');
      return chatCommand({
        url: (values.url as string | undefined) ?? `http://localhost:${config.port}`,
        apiKey: (values['api-key'] as string | undefined) ?? config.apiKey,
        session: values.session as string | undefined,
        namespace: namespaces[0],
        color: Boolean(process.stdout.isTTY) && !config.noColor,
      });
    }
    case 'migrate': {
      const { migrateCommand } = await import('./cli/migrate-command.js');
      return migrateCommand(config, rest[0], console.log);
    }
    case 'export':
    case 'import': {
      const { transferCommand } = await import('./cli/transfer-command.js');
      return transferCommand(config, command, { namespace: namespaces[0], file: rest[0] }, console.log);
    }
    default:
      console.error(`Unknown command '${command}'.\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
