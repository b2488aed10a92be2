/**
 * @module http/json-body-parser
 * The one JSON body parser: Fastify's own (prototype-poisoning checks kept),
 * behind two rules. Generated clients (the published SDK among them) send
 * `Content-Type: application/json` with no body on optional-body calls
 * (…/list, DELETE): nothing at all reads as `{}` (DESIGN §1 item 5). A body
 * nested deeper than MAX_JSON_BODY_DEPTH answers 422 before anything walks
 * it recursively (5,000 levels overflowed the stack in validation: 500).
 */
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';
import { jsonTextDeeperThan } from '../lib/json-depth.js';

export const MAX_JSON_BODY_DEPTH = 128;

export function registerJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, {});
      return;
    }
    if (typeof body === 'string' && jsonTextDeeperThan(body, MAX_JSON_BODY_DEPTH)) {
      done(
        errors.validation([
          {
            type: 'json_depth',
            location: ['body'],
            message: `The JSON body nests objects and arrays deeper than the limit of ${MAX_JSON_BODY_DEPTH} levels.`,
          },
        ]),
        undefined,
      );
      return;
    }
    parse(request, body as string, done);
  });
}
