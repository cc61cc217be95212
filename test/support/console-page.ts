import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './browser';
import { createTestGateway, type TestGateway } from './gateway';

/**
 * The console in Chromium against a fresh gateway over real HTTP, for the end-to-end suites: one browser, one
 * page, and the steps every suite needs (sign in, go to a page, switch language, axe-core in both languages).
 * Browser errors and script errors are collected; `errors` must be empty at the end of a suite.
 */

export const skipBrowser = process.env.SKIP_BROWSER_TESTS === '1';
const axeSource = readFileSync(join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface ConsoleSession {
  gw: TestGateway;
  base: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors (other than failed loads the suite provokes) and uncaught script errors. */
  errors: string[];
  /**
   * The API's own English words the page has received: every error body's `title`, `detail` (or OAuth
   * `error_description`) and field messages, problem+json or the token endpoint's JSON.
   */
  apiEnglish: Set<string>;
  switchLanguage(lang: 'vi' | 'en'): Promise<void>;
  /** No serious or critical axe-core violation on the page as it is now. */
  expectAccessible(name: string): Promise<void>;
  /**
   * axe-core and a screenshot in Vietnamese and English, and in Vietnamese no English sentence from the API
   * and no ISO UTC time on the page (expectNoApiEnglish); ends in Vietnamese.
   */
  checkBothLanguages(name: string): Promise<void>;
  screenshot(name: string): Promise<void>;
  signIn(clientId: string, secret: string): Promise<void>;
  signOut(): Promise<void>;
  /** Clicks the page's nav link and waits until it has loaded. */
  goTo(name: string): Promise<void>;
  busyDone(): Promise<unknown>;
  close(): Promise<void>;
}

export async function openConsole(
  dynamoEndpoint: string,
  { artifacts = 'console', viewport = { width: 1280, height: 900 } } = {},
): Promise<ConsoleSession> {
  // First, so that a missing browser fails in seconds, before the gateway starts.
  const browser = await launchChromium();
  const dir = join(process.cwd(), 'test-artifacts', artifacts);
  mkdirSync(dir, { recursive: true });
  const gw = await createTestGateway(dynamoEndpoint);
  let server: ReturnType<typeof serve> | undefined;
  await new Promise<void>((resolve) => {
    server = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  const base = `http://127.0.0.1:${((server as ReturnType<typeof serve>).address() as AddressInfo).port}`;
  const context = await browser.newContext({ viewport, acceptDownloads: true, timezoneId: 'UTC' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  // A step that does not happen fails with Playwright's precise message well before the test's own timeout.
  page.setDefaultTimeout(8_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    // Error statuses a suite provokes on purpose are logged as failed loads; anything else is a finding.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const apiEnglish = new Set<string>();
  page.on('response', async (response) => {
    if (response.status() < 400 || !/json/.test(response.headers()['content-type'] ?? '')) return;
    const body = (await response.json().catch(() => undefined)) as ProblemBody | undefined;
    for (const text of englishOf(body)) apiEnglish.add(text);
  });

  const switchLanguage = async (lang: 'vi' | 'en') => {
    await page.selectOption('#lang', lang);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  };

  const expectAccessible = async (name: string) => {
    // Evaluated through the DevTools protocol: the page's own CSP (script-src 'self') refuses inline script tags.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: {
            run: (
              context: Document,
              options: object,
            ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
          };
        }
      ).axe.run(document, { resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    expect(violations, name).toEqual([]);
  };

  const screenshot = async (name: string) => {
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  };

  const busyDone = () => page.waitForSelector('#busy[hidden]', { state: 'attached' });

  const session: ConsoleSession = {
    gw,
    base,
    browser,
    context,
    page,
    errors,
    apiEnglish,
    switchLanguage,
    expectAccessible,
    screenshot,
    busyDone,
    async checkBothLanguages(name) {
      await expectNoApiEnglish(session, name);
      await expectAccessible(`${name} (vi)`);
      await screenshot(`${name}-vi`);
      await switchLanguage('en');
      await expectAccessible(`${name} (en)`);
      await screenshot(`${name}-en`);
      await switchLanguage('vi');
    },
    async signIn(clientId, secret) {
      await page.fill('#signin-client', clientId);
      await page.fill('#signin-secret', secret);
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#nav:not([hidden])');
    },
    async signOut() {
      await page.click('#sign-out');
      await page.waitForSelector('#page-signin:not([hidden])');
    },
    async goTo(name) {
      await page.click(`#nav a[data-page="${name}"]`);
      await page.waitForSelector(`#page-${name}:not([hidden]):not([aria-busy])`);
      await busyDone();
    },
    async close() {
      await browser.close();
      if (server) await new Promise((resolve) => server?.close(resolve));
    },
  };
  return session;
}

interface ProblemBody {
  title?: unknown;
  detail?: unknown;
  error_description?: unknown;
  errors?: { message?: unknown }[];
}

/** The English texts of an error body: its title, its detail and field messages, and their sentences. */
function englishOf(body: ProblemBody | undefined): string[] {
  if (!body || typeof body !== 'object') return [];
  const texts = [
    body.title,
    body.detail,
    body.error_description,
    ...(body.errors ?? []).map((e) => e?.message),
  ]
    .filter((text): text is string => typeof text === 'string' && text.trim() !== '')
    .map((text) => text.trim());
  // A sentence of a detail is English enough to fail on ("Conflict: Period 2026-12 ends at ..."), and so is
  // the part of it after a colon; a fragment without two English words is an id, a code or a list of codes
  // ("1.001, 1.002"), which a page may well show.
  const parts = texts.flatMap((text) =>
    text.split(/(?<=[.;:])\s+/).map((part) => part.replace(/[.;:]$/, '')),
  );
  return [...new Set([...texts, ...parts])].filter(
    (text) => text === body.title || /[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(text),
  );
}

/** An instant as the API writes it (ISO 8601 in UTC): never for a user's eyes. */
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

/**
 * The page as a user reads it in Vietnamese (document.body.innerText: hidden elements and closed <details>
 * are not in it) shows no title, detail or field message the API has sent, nor a sentence of one, and no
 * ISO UTC time. Names what it found.
 */
export async function expectNoApiEnglish(session: ConsoleSession, name = 'page'): Promise<void> {
  const { page, apiEnglish } = session;
  expect(await page.evaluate(() => document.documentElement.lang), `${name}: checked in Vietnamese`).toBe(
    'vi',
  );
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a user reads it, is the point.
  const text = (await page.evaluate(() => document.body.innerText)).replace(/\s+/g, ' ');
  const shown = [...apiEnglish].filter((english) => text.includes(english.replace(/\s+/g, ' ')));
  expect(shown, `${name}: English from the API on the Vietnamese page`).toEqual([]);
  expect(text.match(ISO_TIME)?.[0], `${name}: an ISO UTC time on the page`).toBeUndefined();
}

/** The three sizes every page is checked at: 1280 and 1920 px wide, and 1280 px at 200% zoom. */
export const LAYOUTS = [
  { name: '1280', viewport: { width: 1280, height: 900 } },
  { name: '1920', viewport: { width: 1920, height: 1080 } },
  // 200% zoom of a 1280 x 900 window: the layout sees a 640 x 450 CSS-pixel viewport.
  { name: '1280@200%', viewport: { width: 640, height: 450 } },
] as const;

/**
 * The page as it is now, at each of LAYOUTS: the document never scrolls sideways (a wide table scrolls in its
 * own box), a status pill is one line, and a code or id (`.mono`, `code`, `.badge`) is never broken
 * mid-word. Restores the 1280 px viewport afterwards. Each size gets a screenshot.
 */
export async function expectTidyLayout(session: ConsoleSession, name: string): Promise<void> {
  const { page } = session;
  for (const layout of LAYOUTS) {
    // Zoom as the layout sees it: a narrower CSS viewport (a new context at deviceScaleFactor 2 would lose the
    // session, which lives in page memory only; the pixels drawn differ, the boxes do not).
    await page.setViewportSize(layout.viewport);
    const findings = await page.evaluate(() => {
      const found: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > window.innerWidth + 1) {
        found.push(`the page scrolls sideways (${root.scrollWidth} px content in ${window.innerWidth} px)`);
      }
      const visible = (el: Element) => (el as HTMLElement).offsetParent !== null;
      const label = (el: Element) =>
        `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${Array.from(el.classList).join('.')} "${el.textContent?.trim().slice(0, 40)}"`;
      // The lines a piece of text sits on, from its line boxes (a table cell's own box is as tall as its row,
      // so the text is measured, never the element): tops further apart than half a line are separate lines.
      const linesOf = (range: Range, line: number) => {
        const tops = Array.from(range.getClientRects())
          .filter((rect) => rect.width > 0)
          .map((rect) => rect.top)
          .sort((a, b) => a - b);
        return tops.filter((top, i) => i === 0 || top - (tops[i - 1] as number) > line / 2).length;
      };
      for (const el of Array.from(document.querySelectorAll('.badge, .mono, code'))) {
        if (!visible(el) || !el.textContent?.trim()) continue;
        const style = getComputedStyle(el);
        const line = Number.parseFloat(style.lineHeight) || Number.parseFloat(style.fontSize) * 1.2;
        const range = document.createRange();
        range.selectNodeContents(el);
        if (el.classList.contains('badge') && linesOf(range, line) > 1) {
          found.push(`${label(el)}: a status pill wraps`);
        }
        // Every word of it on one line: an id, a code ("STANDARD", "CB-0042") is never broken mid-word, even
        // inside a longer text ("STANDARD v2").
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const word of (node.textContent ?? '').matchAll(/\S+/g)) {
            range.setStart(node, word.index);
            range.setEnd(node, word.index + word[0].length);
            if (linesOf(range, line) > 1) found.push(`${label(el)} breaks "${word[0]}" over lines`);
          }
        }
      }
      return [...new Set(found)];
    });
    await session.screenshot(`${name}-layout-${layout.name.replace('%', 'pct').replace('@', '-')}`);
    expect(findings, `${name} at ${layout.name}`).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
