// zod 4.6.7's v4/classic/external.js, minus `export * as locales` and `export * as core`, for the function bundles
// (see index.mjs). The core names zod also exports at top level stay, below, from core.mjs.

export * from '../../../node_modules/zod/v4/classic/checks.js';
export * as coerce from '../../../node_modules/zod/v4/classic/coerce.js';
export * from '../../../node_modules/zod/v4/classic/compat.js';
export { deepPartial } from '../../../node_modules/zod/v4/classic/deep-partial.js';
export * from '../../../node_modules/zod/v4/classic/errors.js';
// Types and values both, from one module — re-exporting the types from core would collide.
export { input, output } from '../../../node_modules/zod/v4/classic/in-out.js';
export * as iso from '../../../node_modules/zod/v4/classic/iso.js';
// iso must be exported from top-level https://github.com/colinhacks/zod/issues/4491
export {
  ZodISODate,
  ZodISODateTime,
  ZodISODuration,
  ZodISOTime,
} from '../../../node_modules/zod/v4/classic/iso.js';
export * from '../../../node_modules/zod/v4/classic/parse.js';
export * from '../../../node_modules/zod/v4/classic/schemas.js';
export { toJSONSchema } from '../../../node_modules/zod/v4/core/json-schema-processors.js';
export {
  $brand,
  $input,
  $output,
  clone,
  config,
  flattenError,
  formatError,
  getDiscriminatedOption,
  globalRegistry,
  memoizer,
  NEVER,
  prettifyError,
  regexes,
  registry,
  TimePrecision,
  toZod,
  treeifyError,
  util,
} from './core.mjs';
