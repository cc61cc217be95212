import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const guard = readFileSync(join(process.cwd(), 'console', 'locale-guard.js'), 'utf8');

/** What uPlot would see as navigator.language once the guard ran in a page of language `pageLang`. */
function languagesAfterGuard(language: unknown, languages: unknown[], pageLang = 'vi') {
  const navigator = { language, languages: Object.freeze(languages) };
  runInNewContext(guard, { navigator, document: { documentElement: { lang: pageLang } }, Intl });
  return { language: navigator.language, languages: [...navigator.languages] };
}

describe('the locale guard run before uPlot', () => {
  it('keeps a browser language that is a BCP 47 tag', () => {
    expect(languagesAfterGuard('en-US', ['en-US', 'vi'])).toEqual({
      language: 'en-US',
      languages: ['en-US', 'vi'],
    });
  });

  it("replaces a POSIX locale, which Intl refuses, by the page's language", () => {
    const seen = languagesAfterGuard('en-US@posix', ['en-US@posix', 'fr-FR']);
    expect(seen).toEqual({ language: 'vi', languages: ['vi', 'fr-FR'] });
    expect(() => new Intl.NumberFormat(seen.language as string)).not.toThrow();
    expect(languagesAfterGuard('C', [], 'en').language).toBe('en');
  });

  it('replaces a missing or empty language too', () => {
    expect(languagesAfterGuard(undefined, []).language).toBe('vi');
    expect(languagesAfterGuard('', ['']).languages).toEqual(['vi']);
  });
});
