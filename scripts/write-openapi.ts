/**
 * Writes the gateway's OpenAPI document to a file (the token Lambda serves this copy; see
 * functions/token/handler.ts). Run by the CDK bundling of the token function, and by `npm run lint:openapi`:
 *   tsx scripts/write-openapi.ts <out.json>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildOpenApiDocument } from '../functions/token/openapi';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: tsx scripts/write-openapi.ts <out.json>\n');
  process.exit(2);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(buildOpenApiDocument('/')));
