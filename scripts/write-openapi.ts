/**
 * Writes the gateway's OpenAPI document to a file (the token Lambda serves this copy; see
 * functions/token/handler.ts). Run by the CDK bundling of the token function:
 *   tsx scripts/write-openapi.ts <out.json>
 */
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../functions/token/openapi';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: tsx scripts/write-openapi.ts <out.json>\n');
  process.exit(2);
}
writeFileSync(out, JSON.stringify(buildOpenApiDocument('/')));
