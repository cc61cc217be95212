/** Types of problems.js for the tests (the browser loads the JavaScript as is). */
import type { Language } from './i18n.js';

export declare function problemSlug(type: unknown): string | undefined;
export declare function problemKey(slug: string | undefined, status: number): string;
export declare function fieldMessageKey(field: { code?: string; params?: Record<string, unknown> }): {
  key: string;
  params?: Record<string, unknown>;
};
export declare const messages: Record<Language, Record<string, string>>;
