/** Types of registry.js for the tests (the browser loads the JavaScript as is). */
import type { Language } from '../i18n.js';

/** One page of the console: its markup, its words and what runs it. */
export interface ConsolePage {
  id: string;
  /** The i18n key of its nav link's label. */
  nav: string;
  /** Any one of these scopes grants the page. */
  scopes: string[];
  /** Any one of these scopes withholds it (an agency's own pages from the operator's admin and finance tokens). */
  notWith?: string[];
  /** Its `<section id="page-<id>" class="page" hidden>`, with an `<h1 id="h-<id>">`. */
  markup: string;
  /** Its own words, in every language. */
  messages: Record<Language, Record<string, string>>;
  /** Wires its event listeners, once its markup is in the document. */
  init(): void;
  /** On navigation to it. */
  load(): unknown;
  /** On a language switch, from what was loaded. */
  render(): void;
  /** Forgets what was loaded, on sign-out. */
  reset?(): void;
}

export declare const pages: ConsolePage[];
