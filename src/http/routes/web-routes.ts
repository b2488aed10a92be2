/**
 * @module http/routes/web-routes
 * The playground: the static files of web/ at `/`, and `/client.js`, the
 * typed client (src/client) bundled for browsers with esbuild. The bundle
 * is built once, on first request, and kept in memory: no build step at
 * install, and the browser always gets the client the server ships with.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { HttpServices } from '../http-services.js';
import { errors } from '../../errors.js';

/** Run from src/ (tsx) or from a compiled dist/src/: the first candidate that exists wins. */
const firstExisting = (...candidates: string[]) =>
  candidates.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url))).find((path) => existsSync(path)) ??
  '';
const WEB_DIRECTORY = firstExisting('../../../web/', '../../../../web/');
const CLIENT_ENTRY = firstExisting('../../client/index.ts', '../../client/index.js');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** Only plain file names that exist in web/ are served: no paths, so no way out of the directory. */
const SAFE_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

export function webRoutes(_services: HttpServices): FastifyPluginAsync {
  let clientBundle: Promise<string> | null = null;

  async function bundleClient(): Promise<string> {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [CLIENT_ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      minify: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  }

  function send(reply: FastifyReply, name: string, body: string | Buffer) {
    return (
      reply
        .header('content-type', CONTENT_TYPES[extname(name)] ?? 'application/octet-stream')
        // The playground is small and changes with the server: revalidate instead of serving stale code.
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(body)
    );
  }

  return async (app) => {
    const files = new Set(
      (await readdir(WEB_DIRECTORY).catch(() => [] as string[])).filter((name) => SAFE_NAME.test(name)),
    );
    const config = { public: true };
    const schema = { hide: true };

    app.get('/', { config, schema }, async (_request, reply) => {
      if (!files.has('index.html')) throw errors.notFound('file', 'web/index.html');
      return send(reply, 'index.html', await readFile(join(WEB_DIRECTORY, 'index.html')));
    });

    app.get('/client.js', { config, schema }, async (_request, reply) => {
      clientBundle ??= bundleClient().catch((error: unknown) => {
        clientBundle = null; // A failed build is retried on the next request.
        throw error;
      });
      return send(reply, 'client.js', await clientBundle);
    });

    app.get<{ Params: { name: string } }>('/:name', { config, schema }, async (request, reply) => {
      const name = request.params.name;
      if (!SAFE_NAME.test(name) || !files.has(name) || name === 'client.js') throw errors.notFound('file', name);
      return send(reply, name, await readFile(join(WEB_DIRECTORY, name)));
    });
  };
}
