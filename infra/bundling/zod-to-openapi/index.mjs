/**
 * What `@asteasolutions/zod-to-openapi` resolves to inside the Lambda bundles (esbuild `--alias` in
 * GatewayFunction): the few names @hono/zod-openapi imports, without the document generator.
 *
 * Why: no function builds an OpenAPI document at run time. The document is written at build time
 * (scripts/write-openapi.ts, run by the token function's afterBundling hook) and the local host builds it with
 * the real package. In a function, @hono/zod-openapi only needs `.openapi()` to exist on schemas (route
 * definitions call it to attach examples and names) and a registry to record routes in; the generator and its
 * metadata handling are about 31 KB of every bundle. Validation never reads OpenAPI metadata, so the
 * schemas parse exactly as with the real package: test/integration/http/bundles.test.ts sends each HTTP bundle a
 * request its schemas refuse (400) and one it serves (200), against DynamoDB Local, and bench/run.ts times each
 * bundle's first response. The package is a declared dependency at the version this stands in for (package.json;
 * test/infra/bundle.test.ts checks that the names @hono/zod-openapi imports are all here).
 */

/** Adds `.openapi()` as the identity: the metadata it would attach is only ever read by the generator. */
export function extendZodWithOpenApi(zod) {
  if (typeof zod.ZodType.prototype.openapi !== 'undefined') return;
  zod.ZodType.prototype.openapi = function openapi() {
    return this;
  };
}

export function getOpenApiMetadata() {
  return {};
}

/** Records definitions as the real registry does (OpenAPIHono merges sub-apps' routes through it). */
export class OpenAPIRegistry {
  definitions = [];
  register(_refId, schema) {
    return schema;
  }
  registerParameter(_refId, schema) {
    return schema;
  }
  registerPath(route) {
    this.definitions.push({ type: 'route', route });
  }
  registerWebhook(webhook) {
    this.definitions.push({ type: 'webhook', webhook });
  }
  registerComponent(componentType, name, component) {
    this.definitions.push({ type: 'component', componentType, name, component });
    return { name, ref: { $ref: `#/components/${componentType}/${name}` } };
  }
}

class BuildTimeOnlyGenerator {
  generateDocument() {
    throw new Error(
      'The OpenAPI document is written at build time (scripts/write-openapi.ts), not in a function.',
    );
  }
}

export class OpenApiGeneratorV3 extends BuildTimeOnlyGenerator {}
export class OpenApiGeneratorV31 extends BuildTimeOnlyGenerator {}
