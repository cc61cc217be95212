/**
 * Every word of the console: i18n.js's shared ones and each registered page's own, added to what translate
 * finds as this module loads. The shell imports it before anything is translated; so do the tests.
 */
import { addMessages, LANGUAGES, messages as shared } from './i18n.js';
import { pages } from './pages/registry.js';

for (const page of pages) addMessages(page.messages);

export const messages = Object.fromEntries(
  LANGUAGES.map((lang) => [
    lang,
    Object.assign({}, shared[lang], ...pages.map((page) => page.messages[lang])),
  ]),
);

export { LANGUAGES, translate } from './i18n.js';
