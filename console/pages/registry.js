/**
 * The console's pages, in nav order: the only list of them. Each module default-exports its page object (see
 * registry.d.ts); the shell builds the nav, inserts the sections and adds the words from it.
 */
import agencies from './agencies.js';
import audit from './audit.js';
import budgets from './budgets.js';
import credentials from './credentials.js';
import entitlements from './entitlements.js';
import myCalls from './my-calls.js';
import myStatements from './my-statements.js';
import myUsage from './my-usage.js';
import overview from './overview.js';
import plans from './plans.js';
import statements from './statements.js';
import usage from './usage.js';

export const pages = [
  agencies,
  credentials,
  entitlements,
  plans,
  usage,
  statements,
  budgets,
  audit,
  // An agency's own pages (self:read), never a platform token's: see `notWith`.
  overview,
  myUsage,
  myStatements,
  myCalls,
];
