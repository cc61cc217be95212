import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, messages, translate } from '../../../console/i18n.js';

const consoleDir = join(process.cwd(), 'console');
const html = readFileSync(join(consoleDir, 'index.html'), 'utf8');
const app = readFileSync(join(consoleDir, 'app.js'), 'utf8');
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

  it('writes Vietnamese with composed (NFC) diacritics', () => {
    for (const [key, text] of Object.entries(messages.vi)) expect(text, key).toBe(text.normalize('NFC'));
    expect(messages.vi['nav.statements']).toBe('Bảng kê');
    expect(messages.vi['signin.title']).toBe('Đăng nhập');
    expect(messages.vi['op.citizen:read']).toBe('Tra cứu công dân');
  });

  it('names in index.html only keys that exist, with the Vietnamese text as the page first shows it', () => {
    const elements = [...html.matchAll(/<(\w+)[^>]*\bdata-i18n="([^"]+)"[^>]*>([^<]*)<\/\1>/g)];
    expect(elements.length).toBeGreaterThan(100);
    for (const [, , key, text] of elements) {
      expect(messages.vi, key).toHaveProperty([key!]);
      expect(text, key).toBe(messages.vi[key!]);
    }
    for (const [, key] of html.matchAll(/data-i18n-label="([^"]+)"/g))
      expect(messages.vi).toHaveProperty([key!]);
  });

  it('has every key app.js asks for, including the ones it builds from operations, scopes and statuses', () => {
    const literal = [...app.matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => m[1]!);
    expect(literal.length).toBeGreaterThan(50);
    const built = [
      ...['citizen:read', 'citizen:verify', 'business:read', 'business:search'].map((op) => `op.${op}`),
      ...['admin', 'billing:read', 'billing:close', 'audit:read'].map((scope) => `scope.${scope}`),
      ...['active', 'suspended', 'revoked', 'open', 'closed'].map((status) => `status.${status}`),
      ...['malformed', 'notCanonical', 'unknownKey', 'badSignature', 'payloadMismatch', 'hashMismatch'].map(
        (code) => `verify.${code}`,
      ),
      ...['client_secret', 'private_key_jwt'].map((method) => `method.${method}`),
      ...['reached', 'near', 'within'].map((state) => `budgetState.${state}`),
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
