/**
 * What `zod` resolves to inside the Lambda bundles (esbuild `--alias:zod=...` in GatewayFunction): zod 4.6.7's
 * own index.js, over copies of its two barrel files without the `locales` namespace export.
 *
 * Why: @hono/zod-openapi passes the `z` namespace to extendZodWithOpenApi() as a value, so esbuild must keep
 * every export of that namespace, and `z.locales` / `z.core.locales` reach all 50 of zod's translations
 * (about 260 KB minified, a quarter of each bundle). The gateway answers in English only. English stays: zod
 * registers it from classic/schemas.js on the first schema it builds, not through this namespace.
 * For the same reason `z.core` goes too (about 8 KB: its getters keep every core builder alive): nothing in the
 * gateway, @hono/zod-openapi or @hono/zod-validator reads it at run time, and zod's own modules import core
 * directly. The core names zod re-exports at top level (`z.config`, `z.util`, `z.regexes`, ...) stay.
 *
 * Nothing else changes: every other export is zod's own module (same files, so one zod instance), and
 * test/infra/bundle.test.ts checks that this module exports exactly what `zod` does, less `locales` and `core`.
 * Upgrading zod: re-derive external.mjs and core.mjs from zod's v4/classic/external.js and v4/core/index.js.
 */
import * as z from './external.mjs';

export * from './external.mjs';
export { z, z as default };
