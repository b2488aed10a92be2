/**
 * ESLint flat config: @eslint/js + typescript-eslint recommended (syntax only, no type information: the whole tree
 * lints in seconds), the layering of DESIGN.md §3 as import-x/no-restricted-paths zones generated from one table,
 * and import-x/no-cycle. Formatting is Prettier's job (`npm run format:check`), so no stylistic rules here.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layers of src/, top to bottom: each may import its own files and the layers it lists, nothing else in src/.
 * Globs are relative to the repository root. Test files are composition roots and are exempt (see below).
 */
// What sessions and the adapters above it may use: everything below the HTTP edge.
const BELOW_EDGE = ['sessions', 'models', 'agent', 'retrieval', 'ingest', 'store', 'errors', 'config', 'lib'];

const LAYERS = {
  // The composition roots: the CLI entry, the server bootstrap and the commands may wire anything.
  entry: { files: ['src/main.ts', 'src/server.ts', 'src/cli/**'], mayImport: '*' },
  app: { files: ['src/app.ts'], mayImport: ['mcp', 'http', 'telemetry', ...BELOW_EDGE] },
  // MCP endpoints are HTTP routes of their own: they reuse the HTTP plumbing (request context, schemas).
  mcp: { files: ['src/mcp/**'], mayImport: ['http', ...BELOW_EDGE] },
  // http sees the store's record types and ports, never a backend (storeBackends is not below the edge).
  http: { files: ['src/http/**'], mayImport: BELOW_EDGE },
  // Decorators over the ports of the layers they observe (Store, RetrieverService, RunObserver, AgentTool) plus
  // the /metrics route: adapters wired by the composition roots only, so nothing below imports telemetry.
  telemetry: { files: ['src/telemetry/**'], mayImport: BELOW_EDGE },
  // Only sessions orchestrates the agent, retrieval and the store.
  sessions: { files: ['src/sessions/**'], mayImport: BELOW_EDGE },
  // Model adapters implement retrieval's Embedder / StageLanguageModel ports.
  models: { files: ['src/models/**'], mayImport: ['retrieval', 'store', 'errors', 'config', 'lib'] },
  // agent, retrieval and ingest are siblings: none imports another. The agent's tools are injected.
  agent: { files: ['src/agent/**'], mayImport: ['errors', 'lib'] },
  retrieval: { files: ['src/retrieval/**'], mayImport: ['store', 'errors', 'lib'] },
  ingest: { files: ['src/ingest/**'], mayImport: ['store', 'errors', 'lib'] },
  // The one place below the entry that picks a backend, from the config.
  storeFactory: { files: ['src/store/open-store.ts'], mayImport: ['storeBackends', 'store', 'config', 'lib'] },
  storeBackends: { files: ['src/store/sqlite/**', 'src/store/postgres/**'], mayImport: ['store', 'lib'] },
  // The store throws its own typed errors (no AppError) and owns its ports (DocumentIndex here, not in retrieval).
  store: { files: ['src/store/!(open-store).ts', 'src/store/{text,simd}/**'], mayImport: ['lib'] },
  errors: { files: ['src/errors.ts'], mayImport: ['lib'] },
  config: { files: ['src/config.ts'], mayImport: ['lib'] },
  lib: { files: ['src/lib/**'], mayImport: [] },
  // A standalone package for browsers and Node: nothing outside src/client, and only the entry (the CLI) uses it.
  client: { files: ['src/client/**'], mayImport: [] },
};

/** One zone per layer: its files may not import the files of any layer it does not list. */
function layerZones(layers) {
  const names = Object.keys(layers);
  for (const [name, layer] of Object.entries(layers)) {
    for (const other of layer.mayImport === '*' ? [] : layer.mayImport) {
      if (!names.includes(other)) throw new Error(`eslint.config.js: layer ${name} lists unknown layer ${other}`);
    }
  }
  return Object.entries(layers)
    .filter(([, layer]) => layer.mayImport !== '*')
    .map(([name, layer]) => {
      const forbidden = names.filter((other) => other !== name && !layer.mayImport.includes(other));
      return {
        target: layer.files,
        // import-x wants every `from` of a zone to be a glob: `src/app.ts` becomes the equivalent `src/app.@(ts)`.
        from: forbidden
          .flatMap((other) => layers[other].files)
          .map((file) => file.replace(/^([^*!]*)\.ts$/, '$1.@(ts)')),
        message: `${name} may import only: ${layer.mayImport.join(', ') || 'its own files'} (see LAYERS).`,
      };
    });
}

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', 'data/**', 'docs/**', 'bench/results/**', 'test-results/**', '.quarry/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // The control characters in our regexes are deliberate (ANSI escapes in the CLI, NUL in the tokenizer).
      'no-control-regex': 'off',
      // Unused bindings are bugs or dead code; a leading underscore marks a deliberately ignored one.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'src/**/*.test.ts', 'src/**/testing/**'],
    rules: {
      // Tests and benches read untyped JSON response bodies (`response.json() as any`); typing each one adds nothing.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      'import-x/extensions': ['.ts', '.js', '.mjs'],
    },
    rules: {
      // File cycles through value imports (type-only imports are erased, so they are not followed). Unbounded depth
      // costs ~4 s of CPU over the tree, a quarter of the lint: cheap enough not to cap it with maxDepth.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    // Unit tests wire real backends and fakes across layers: they are composition roots like main.ts.
    ignores: ['src/**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones(LAYERS) }] },
  },
  {
    // Plain Node scripts (the bin and the build) that run without a loader.
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['web/**/*.js'],
    // The browser globals the playground uses (a hand list: the `globals` package is not a declared dependency).
    languageOptions: {
      globals: Object.fromEntries(
        'document location sessionStorage Node EventTarget CustomEvent AbortController prompt requestAnimationFrame'
          .concat(' setTimeout clearTimeout setInterval clearInterval fetch')
          .split(' ')
          .map((name) => [name, 'readonly']),
      ),
    },
  },
);
