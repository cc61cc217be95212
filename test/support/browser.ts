import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

/**
 * The Chromium for end-to-end tests, never downloaded: `CHROMIUM_PATH` if set, else Debian's
 * `/usr/bin/chromium` if installed, else the Chromium inside the `@sparticuz/chromium` dev dependency
 * (unpacked into the temp dir on first use, a few seconds). Playwright adds its own switches to every launch
 * (--disable-background-networking, --disable-component-update, --disable-sync, --no-first-run...).
 */

const debianChromium = '/usr/bin/chromium';
const skipNote = '(SKIP_BROWSER_TESTS=1 skips the browser tests)';

/**
 * Of @sparticuz/chromium's flags (made for AWS Lambda), those not wanted here: switches that weaken what the
 * page sees (the console test checks its CSP and same-origin behaviour), --single-process (a Lambda
 * workaround; here a process per renderer, as in Debian's Chromium), and --disable-features/--enable-features
 * (Chromium keeps only the last of each, which would replace Playwright's list that stops startup requests to
 * Google's hosts).
 */
const unwanted = (flag: string) =>
  [
    '--disable-web-security',
    '--allow-running-insecure-content',
    '--disable-site-isolation-trials',
    '--single-process',
  ].includes(flag) ||
  flag.startsWith('--disable-features=') ||
  flag.startsWith('--enable-features=');

interface Choice {
  name: string;
  options: LaunchOptions;
  /** What to do when it does not start. */
  fix: string;
}

async function choose(): Promise<Choice> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(`CHROMIUM_PATH=${configured} does not exist: point it at a Chromium, or unset it`);
    }
    return {
      name: `CHROMIUM_PATH's Chromium (${configured})`,
      options: { executablePath: configured, args: ['--no-sandbox'] },
      fix: "point CHROMIUM_PATH at a working Chromium, or unset it to use Debian's or npm's",
    };
  }
  if (existsSync(debianChromium)) {
    return {
      name: `Debian's Chromium (${debianChromium})`,
      options: { executablePath: debianChromium, args: ['--no-sandbox'] },
      fix: 'reinstall it (apt-get install --reinstall chromium) or set CHROMIUM_PATH',
    };
  }
  let packaged: typeof import('@sparticuz/chromium').default;
  try {
    packaged = (await import('@sparticuz/chromium')).default;
  } catch {
    throw new Error(
      `No Chromium: ${debianChromium} is missing and @sparticuz/chromium is not installed: run "npm install" (or apt-get install chromium, or set CHROMIUM_PATH)`,
    );
  }
  let executablePath: string;
  try {
    executablePath = await packaged.executablePath();
  } catch (error) {
    throw new Error(`Could not unpack @sparticuz/chromium into ${tmpdir()}: ${reason(error)}`);
  }
  const env = { ...process.env };
  // Under the C or POSIX locale (CI's LANG=C.UTF-8) this build says navigator.language is "en-US@posix",
  // which Intl refuses, and uPlot then fails to load: it gets a real locale (--lang is ignored by this build).
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG;
  if (!locale || /^(C|POSIX)([.@]|$)/.test(locale)) {
    delete env.LC_ALL;
    delete env.LC_MESSAGES;
    env.LANG = 'en_US.UTF-8';
  }
  // Its own fonts (Open Sans, with Vietnamese) where the host has no fontconfig; otherwise the host's fonts,
  // as Debian's Chromium uses them.
  const fonts = join(tmpdir(), 'fonts');
  if (!env.FONTCONFIG_PATH && !existsSync('/etc/fonts/fonts.conf') && existsSync(fonts)) {
    env.FONTCONFIG_PATH = fonts;
  }
  return {
    name: `the Chromium from @sparticuz/chromium (${executablePath})`,
    options: { executablePath, args: packaged.args.filter((flag) => !unwanted(flag)), env },
    fix: `delete ${executablePath} so that it is unpacked again (a cut-short unpack leaves it broken), or set CHROMIUM_PATH`,
  };
}

/**
 * One line for an error. For a browser that did not start, Playwright's first line is only "Target page,
 * context or browser has been closed": how the process exited and the last line it wrote say more.
 */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n');
  const exit = lines.map((line) => /<process did exit: ([^>]*)>/.exec(line)?.[1]).find(Boolean);
  // The browser's own output, in the "Browser logs" part (the call log below repeats it, coloured).
  const stderr = lines
    .map((line) => /^\[pid=\d+\]\[err\] (.*)$/.exec(line)?.[1]?.trim())
    .filter(Boolean)
    .at(-1);
  if (!exit && !stderr) return (lines[0] ?? message).trim().replace(/\.$/, '');
  return [exit && `it exited (${exit})`, stderr && `last said "${stderr}"`].filter(Boolean).join(', ');
}

/**
 * Launches the first Chromium found, headless. If none can be started it throws one line saying what is
 * missing and how to fix it, within seconds.
 */
export async function launchChromium(): Promise<Browser> {
  let choice: Choice;
  try {
    choice = await choose();
  } catch (error) {
    throw new Error(`${reason(error)} ${skipNote}`);
  }
  try {
    return await chromium.launch({ ...choice.options, headless: true, timeout: 20_000 });
  } catch (error) {
    throw new Error(`${choice.name} did not start: ${reason(error)}. Fix: ${choice.fix} ${skipNote}`);
  }
}
