/** Types of i18n.js for the tests (the browser loads the JavaScript as is). */
export type Language = 'vi' | 'en';
export declare const LANGUAGES: Language[];
export declare const messages: Record<Language, Record<string, string>>;
export declare function translate(lang: string, key: string, params?: Record<string, unknown>): string;
