import { AGENCY_SCOPES, OPERATIONS, PLATFORM_AGENCY_ID, PLATFORM_SCOPES } from '../identity/model';

/**
 * The console's one generated module, console/platform.js: the platform's facts as the API holds them
 * (shared/identity/model.ts), so that a new operation or scope reaches the console's forms, tables and words
 * without a browser copy to keep. Served from memory by the console route (there is no such file in console/);
 * the Node tests that import console pages get the same text through a resolver in vitest.config.ts.
 */
export const CONSOLE_PLATFORM_FILE = 'platform.js';

export function consolePlatformModule(): string {
  const facts = {
    /** The operations an agency may be entitled to, priced and metered, in the API's order. */
    OPERATIONS,
    /** Scopes any agency's credential may hold without an entitlement (its own account). */
    AGENCY_SCOPES,
    /** Scopes only the operator agency's credentials may hold. */
    PLATFORM_SCOPES,
    /** The platform operator agency (NDG-OPS): never suspended; the only holder of platform scopes. */
    PLATFORM_AGENCY_ID,
  };
  const lines = Object.entries(facts).map(
    ([name, value]) => `export const ${name} = ${JSON.stringify(value)};`,
  );
  return `// Written by the gateway from shared/identity/model.ts; never edited by hand.\n${lines.join('\n')}\n`;
}
