import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, messages, translate } from '../../../console/catalogue.js';
import { messages as shared } from '../../../console/i18n.js';
import { pages } from '../../../console/pages/registry.js';
import { AGENCY_SCOPES, OPERATIONS, PLATFORM_SCOPES } from '../../../shared/identity/model';

const consoleDir = join(process.cwd(), 'console');
const html = readFileSync(join(consoleDir, 'index.html'), 'utf8');
/** The shell's markup and every page's, as the browser's document has them once the shell has run. */
const markup = [html, ...pages.map((page) => page.markup)].join('\n');
/** Every script of the console: the shell, its shared modules, the pages and the views they share. */
const scripts = [
  ...readdirSync(consoleDir).filter((file) => file.endsWith('.js')),
  ...readdirSync(join(consoleDir, 'pages')).map((file) => `pages/${file}`),
  ...readdirSync(join(consoleDir, 'views')).map((file) => `views/${file}`),
]
  .filter((file) => file.endsWith('.js'))
  .map((file) => readFileSync(join(consoleDir, file), 'utf8'))
  .join('\n');
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console messages', () => {
  it('has every key in both languages, never empty, with the same placeholders', () => {
    expect(LANGUAGES).toEqual(['vi', 'en']);
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.vi).sort());
    for (const [key, vi] of Object.entries(messages.vi)) {
      const en = messages.en[key]!;
      expect(vi.trim(), key).not.toBe('');
      expect(en.trim(), key).not.toBe('');
      expect(placeholders(en), key).toEqual(placeholders(vi));
    }
  });

  it("has each page's own words in both languages, never empty, with the same placeholders", () => {
    expect(pages.length).toBe(12);
    for (const page of pages) {
      expect(Object.keys(page.messages).sort(), page.id).toEqual([...LANGUAGES].sort());
      expect(Object.keys(page.messages.en).sort(), page.id).toEqual(Object.keys(page.messages.vi).sort());
      expect(Object.keys(page.messages.vi).length, page.id).toBeGreaterThan(0);
      for (const [key, vi] of Object.entries(page.messages.vi)) {
        const en = page.messages.en[key]!;
        expect(vi.trim(), `${page.id}: ${key}`).not.toBe('');
        expect(en.trim(), `${page.id}: ${key}`).not.toBe('');
        expect(placeholders(en), `${page.id}: ${key}`).toEqual(placeholders(vi));
      }
      expect(page.messages.vi, page.id).toHaveProperty([page.nav]);
    }
  });

  it('gives every key one owner: the shared words or a single page', () => {
    const owners = new Map<string, string>(Object.keys(shared.vi).map((key) => [key, 'i18n.js']));
    for (const page of pages) {
      for (const key of Object.keys(page.messages.vi)) {
        expect(owners.get(key), `${key} of ${page.id}`).toBeUndefined();
        owners.set(key, page.id);
      }
    }
    expect([...owners.keys()].sort()).toEqual(Object.keys(messages.vi).sort());
  });

  it('registers each page once, with its section and heading named after its id, in nav order', () => {
    expect(pages.map((page) => page.id)).toEqual([
      'agencies',
      'credentials',
      'entitlements',
      'plans',
      'usage',
      'statements',
      'budgets',
      'audit',
      'overview',
      'my-usage',
      'my-statements',
      'my-calls',
    ]);
    for (const page of pages) {
      expect(page.markup, page.id).toMatch(
        new RegExp(`^<section id="page-${page.id}" class="page"[^>]* hidden>`),
      );
      expect(page.markup, page.id).toContain(`<h1 id="h-${page.id}"`);
      expect(page.markup.trimEnd(), page.id).toMatch(/<\/section>$/);
      expect(page.scopes.length, page.id).toBeGreaterThan(0);
      for (const hook of ['init', 'load', 'render'] as const)
        expect(typeof page[hook], page.id).toBe('function');
    }
    expect(html).not.toMatch(/id="page-(?!signin)/);
  });

  it('writes Vietnamese with composed (NFC) diacritics', () => {
    for (const [key, text] of Object.entries(messages.vi)) expect(text, key).toBe(text.normalize('NFC'));
    expect(messages.vi['nav.statements']).toBe('Bảng kê');
    expect(messages.vi['signin.title']).toBe('Đăng nhập');
    expect(messages.vi['op.citizen:read']).toBe('Tra cứu công dân');
  });

  it('names in the markup only keys that exist, with the Vietnamese text as the page first shows it', () => {
    const elements = [...markup.matchAll(/<(\w+)[^>]*\bdata-i18n="([^"]+)"[^>]*>([^<]*)<\/\1>/g)];
    expect(elements.length).toBeGreaterThan(100);
    for (const [, , key, text] of elements) {
      expect(messages.vi, key).toHaveProperty([key!]);
      expect(text, key).toBe(messages.vi[key!]);
    }
    for (const [, key] of markup.matchAll(/data-i18n-label="([^"]+)"/g))
      expect(messages.vi).toHaveProperty([key!]);
  });

  it('has every key the scripts ask for, including the ones they build from operations, scopes and statuses', () => {
    const literal = [...scripts.matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => m[1]!);
    expect(literal.length).toBeGreaterThan(50);
    const built = [
      // The API's own lists: a new operation or platform scope fails here until the console has words for it.
      ...OPERATIONS.map((op) => `op.${op}`),
      ...[...PLATFORM_SCOPES, ...AGENCY_SCOPES].map((scope) => `scope.${scope}`),
      ...['active', 'suspended', 'revoked', 'open', 'closed'].map((status) => `status.${status}`),
      ...['malformed', 'notCanonical', 'unknownKey', 'badSignature', 'payloadMismatch', 'hashMismatch'].map(
        (code) => `verify.${code}`,
      ),
      ...['client_secret', 'private_key_jwt'].map((method) => `method.${method}`),
      ...['reached', 'near', 'within'].map((state) => `budgetState.${state}`),
      ...['late-usage', 'reversal'].map((reason) => `adjustment.${reason}`),
      ...['number', 'openBeforeLast', 'lastNotOpen', 'notAscending', 'tooMany'].map(
        (code) => `tiers.${code}`,
      ),
      ...['empty', 'json', 'notObject'].map((code) => `jwk.${code}`),
      ...['served', 'refused', 'done'].map((outcome) => `outcome.${outcome}`),
      ...[
        'malformed',
        'wrongType',
        'unknownKey',
        'badSignature',
        'payloadMismatch',
        'receiptMalformed',
        'receiptMismatch',
        'treeSizeMismatch',
        'leafOutOfRange',
        'pathLength',
        'notIncluded',
        'recordChanged',
      ].map((code) => `proof.${code}`),
      ...['changed', 'missing', 'signature', 'root', 'consistency', 'tile', 'other'].map(
        (reason) => `logBroken.${reason}`,
      ),
    ];
    for (const key of [...literal, ...built]) expect(messages.vi, key).toHaveProperty([key]);
  });

  it('fills placeholders and falls back to Vietnamese, then to the key', () => {
    expect(translate('en', 'agencies.created', { code: 'BHXH-DN' })).toBe('Agency BHXH-DN registered.');
    expect(translate('vi', 'agencies.created', { code: 'BHXH-DN' })).toBe('Đã đăng ký cơ quan BHXH-DN.');
    expect(translate('fr', 'signin.title')).toBe('Đăng nhập');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
    expect(translate('en', 'statements.vat')).toBe('VAT ({percent}%)');
  });
});
