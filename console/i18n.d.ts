/** Types of i18n.js for the tests (the browser loads the JavaScript as is). */
export type Language = 'vi' | 'en';
export declare const LANGUAGES: Language[];
/** The shared words only; catalogue.js has every page's too. */
export declare const messages: Record<Language, Record<string, string>>;
export declare function addMessages(words: Partial<Record<Language, Record<string, string>>>): void;
export declare function translate(lang: string, key: string, params?: Record<string, unknown>): string;
