import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Router } from './app';
import { newRouter } from './app';
import { problemResponse } from './problem';

/** The Swagger UI files /docs serves itself: government networks are often closed, so never a CDN. */
export const swaggerUiAssets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** Where the swagger-ui-dist files are: copied beside the Lambda bundle, or the installed package locally. */
function swaggerUiDir(): string {
  const fromEnv = process.env.SWAGGER_UI_DIR;
  if (fromEnv) return fromEnv;
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Cổng dữ liệu quốc gia · National Data Gateway API</title>
  <link rel="icon" href="favicon.ico">
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" aria-label="API reference"></main>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

// Authorize asks for a client id and secret (the document's oauth2 client credentials flow) and fetches the token
// itself; a registry call tried without an Idempotency-Key gets a fresh one, so no two tries share a key, and the
// curl Swagger UI shows carries it for a retry.
const init = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: true,
  validatorUrl: null,
  requestInterceptor: (request) => {
    const path = new URL(request.url, document.baseURI).pathname;
    if (/\\/v1\\//.test(path) && !request.headers['Idempotency-Key'] && self.crypto && crypto.randomUUID) {
      request.headers['Idempotency-Key'] = crypto.randomUUID();
    }
    return request;
  },
});
`;

interface ServedDocument {
  servers?: { url: string }[];
  components?: { securitySchemes?: { oauth2?: { flows?: { clientCredentials?: { tokenUrl: string } } } } };
}

/**
 * The document as served from `serverUrl` (the token Lambda's copy is written at build time, before its URL is
 * known): that server, and the token URL of the client credentials flow under it, so a stage prefix is kept.
 */
export function atServer<T extends ServedDocument>(document: T, serverUrl: string): T {
  const base = serverUrl.replace(/\/+$/, '');
  const served = structuredClone(document);
  served.servers = [{ url: base }];
  const flow = served.components?.securitySchemes?.oauth2?.flows?.clientCredentials;
  if (flow) flow.tokenUrl = `${base}/oauth/token`;
  return served;
}

/** `/openapi.json` and `/docs`, serving the given document and Swagger UI from local files. */
export function docsRoutes(document: () => unknown): Router {
  const router = newRouter();
  const cache = new Map<string, Uint8Array>();
  let documentJson: string | undefined;

  router.get('/openapi.json', (c) => {
    documentJson ??= JSON.stringify(document());
    return c.body(documentJson, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    });
  });
  router.get('/docs', (c) => c.html(page));
  router.get('/docs/init.js', (c) =>
    c.body(init, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    }),
  );
  router.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = Object.hasOwn(swaggerUiAssets, file) ? swaggerUiAssets[file] : undefined;
    if (!type) return problemResponse(c, 404, { detail: `There is no documentation asset named ${file}.` });
    let bytes = cache.get(file);
    if (!bytes) {
      bytes = new Uint8Array(await readFile(join(swaggerUiDir(), file)));
      cache.set(file, bytes);
    }
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': type,
      'Cache-Control': 'public, max-age=86400',
    });
  });
  return router;
}
