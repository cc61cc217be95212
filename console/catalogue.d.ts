/** Types of catalogue.js for the tests (the browser loads the JavaScript as is). */
import type { Language } from './i18n.js';

export { LANGUAGES, translate } from './i18n.js';
export declare const messages: Record<Language, Record<string, string>>;
