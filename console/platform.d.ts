/**
 * Types of platform.js for the tests. There is no platform.js file: the gateway writes the module from its model
 * (shared/http/console-platform.ts), and the Node tests get it through vitest.config.ts's resolver.
 */
import type { AGENCY_SCOPES as A, OPERATIONS as O, PLATFORM_SCOPES as P } from '../shared/identity/model';
export declare const OPERATIONS: typeof O;
export declare const AGENCY_SCOPES: typeof A;
export declare const PLATFORM_SCOPES: typeof P;
export declare const PLATFORM_AGENCY_ID: 'ag_platform';
