/**
 * uPlot builds an Intl.NumberFormat from navigator.language as it loads, and Intl throws on a language that is
 * not a BCP 47 tag (a POSIX locale such as en-US@posix, which a browser started under that locale reports):
 * uPlot would then never be defined and the usage chart never drawn. Such a language is replaced, for this
 * page only, by the page's own (the html element's lang). A classic script, run before uPlot's.
 */
(() => {
  const valid = (tag) => {
    try {
      return typeof tag === 'string' && Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  };
  if (valid(navigator.language)) return;
  const language = valid(document.documentElement.lang) ? document.documentElement.lang : 'vi';
  const others = Array.isArray(navigator.languages) ? navigator.languages.filter(valid) : [];
  Object.defineProperty(navigator, 'language', { value: language, configurable: true });
  Object.defineProperty(navigator, 'languages', {
    value: Object.freeze([language, ...others.filter((tag) => tag !== language)]),
    configurable: true,
  });
})();
