// tests/browser/lib.mjs - the shared helper of the browser tests.
//
// A browser test is a node script under tests/browser/ run by a bash
// wrapper tests/NN-name.t, which starts our server and relays the script's
// TAP through tests/lib.sh, once per engine in $BROWSERS (chromium and
// firefox by default; each engine after the first gets a fresh server):
//
//   # tests/91-browser-sse.t
//   . "$(dirname "$0")/lib.sh"
//   start_server                               # exports BASE PORT PORT2 PORT3
//   run_node_tap tests/browser/sse.mjs
//   done_testing
//
// The script itself:
//
//   import { run, is, like, ok, BASE } from './lib.mjs';
//
//   await run(async ({ newPage, screenshot, noErrors, engine }) => {
//     const page = await newPage();                // errors collected per page
//     await page.goto(BASE + '/sse.html');
//     await page.waitForSelector('#log li');       // waits as Playwright does
//     like(await page.textContent('#log'), /"type":"time"/, 'a time event arrived');
//     await screenshot(page, 'sse');               // $SCREENSHOT_DIR/<engine>/sse.png
//     noErrors(page, 'no page or console errors');
//   });
//
// The body runs unchanged in each engine; where an engine really differs,
// the test branches on `engine` ('chromium' or 'firefox') and asserts each
// engine's own behaviour (tests/README.md lists those places).
//
// run() launches the engine named by $BROWSER (default chromium):
// Debian's Chromium (/usr/bin/chromium, $CHROMIUM overrides) or Debian's
// Firefox ESR (/usr/bin/firefox-esr, $FIREFOX overrides), through
// puppeteer-core with a fresh temporary profile, calls the body, turns an
// exception into a failed test, closes the browser, removes the profile,
// prints the plan ("1..N") and exits: 0 when every test passed, 1
// otherwise.  A hard timeout ($BROWSER_TEST_TIMEOUT ms, default 60000, or
// run(body, { timeout })) prints "Bail out!", kills the browser and exits 2,
// so a hung page cannot stall CI.  Every TAP line names the engine:
// "ok 3 - [firefox] ...".
//
// Also: newPage() collects each page's uncaught exceptions, console
// errors and HTTP error responses, noErrors(page, desc) asserts there were
// none (the browser's own /favicon.ico 404 aside), consoleMessages(page)
// lists every console message, screenshot(page, name) saves name.png,
// statusOf(url) gives a URL's HTTP status without reading its body (safe
// on streams), BASES lists the URL of each listener (cross-port tests).
//
// TAP helpers: ok(cond, desc), is(got, want, desc), like(str, regex, desc),
// unlike(str, regex, desc), diag(msg), skip(desc, why), bail(msg).  Each
// returns whether it passed, so a test can stop early.  Run it alone with
//   BASE=http://127.0.0.1:3000 BROWSER=firefox node tests/browser/index.mjs
// against a server started by hand.

import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';

// --- where the server is -------------------------------------------------
// The .t wrapper exports PORT, PORT2, PORT3 (the three listeners) and BASE
// (http://127.0.0.1:$PORT).  BASES lists one URL per listener, so a test
// can load a page from one port and talk to another (CORS).

const env = process.env;
export const PORT = env.PORT || '';
export const PORT2 = env.PORT2 || '';
export const PORT3 = env.PORT3 || '';
export const BASE = env.BASE || (PORT ? `http://127.0.0.1:${PORT}` : '');
export const BASES = [BASE, ...[PORT2, PORT3].filter(Boolean).map((p) => `http://127.0.0.1:${p}`)];

// --- TAP -------------------------------------------------------------------

let count = 0;
let failed = 0;
let finished = false;
// Every TAP line names the engine it ran in: "ok 3 - [firefox] ...".
const TAG = `[${env.BROWSER || 'chromium'}] `;

// A TAP description is one line, and '#' would start a directive.
function tapText(s) {
  return String(s).replace(/[\r\n]+/g, ' ').replace(/#/g, '\\#');
}

function show(v) {
  return typeof v === 'string' ? JSON.stringify(v) : util.inspect(v, { depth: 4, breakLength: Infinity });
}

export function diag(msg) {
  for (const line of String(msg).split('\n')) console.log(`# ${line}`);
}

export function ok(cond, desc) {
  count++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${tapText(TAG + desc)}`);
  return !!cond;
}

export function is(got, want, desc) {
  const pass = Object.is(got, want) || (typeof got === 'object' && got !== null &&
    util.isDeepStrictEqual(got, want));
  if (!ok(pass, desc)) {
    diag(`got:      ${show(got)}`);
    diag(`expected: ${show(want)}`);
  }
  return pass;
}

export function like(got, re, desc) {
  const pass = typeof got === 'string' && re.test(got);
  if (!ok(pass, desc)) {
    diag(`got:      ${show(typeof got === 'string' ? got.slice(0, 600) : got)}`);
    diag(`expected to match: ${re}`);
  }
  return pass;
}

export function unlike(got, re, desc) {
  const pass = typeof got === 'string' && !re.test(got);
  if (!ok(pass, desc)) {
    diag(`got:      ${show(typeof got === 'string' ? got.slice(0, 600) : got)}`);
    diag(`expected not to match: ${re}`);
  }
  return pass;
}

export function skip(desc, why) {
  count++;
  console.log(`ok ${count} - ${tapText(TAG + desc)} # SKIP ${tapText(why)}`);
}

// Stop at once: prove reports the reason.  The cleanup of run() still runs.
export class Bail extends Error {}
export function bail(msg) {
  throw new Bail(msg);
}

// --- the browser -----------------------------------------------------------
//
// Two engines, one driver: npm puppeteer-core launches Debian's Chromium
// (over the DevTools protocol) or Debian's firefox-esr (over WebDriver
// BiDi), and the same page wrapper below gives the tests the
// Playwright-style calls they are written with.  The same waits, clicks
// and reads run in both, so a result that differs between the engines is
// the engine's doing, not a driver's (tests/README.md says why).

// BROWSER picks the engine of this run (tests/lib.sh sets it from
// BROWSERS, running a browser test once per engine).
export const ENGINES = ['chromium', 'firefox'];
export const ENGINE = env.BROWSER || 'chromium';
export const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
export const FIREFOX = env.FIREFOX || '/usr/bin/firefox-esr';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
// Firefox preferences beyond puppeteer's testing profile, the
// counterpart of --disable-background-networking: the browser makes no
// connection of its own.  None changes what a page may do (the
// connection limits stay Firefox's defaults).
export const FIREFOX_PREFS = {
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'browser.region.network.url': '',
  'extensions.blocklist.enabled': false,
};
// The reader's language (issue 14: every page is in Chinese and English,
// chosen by ?lang=, else the choice stored by the page's toggle, else
// navigator.languages).  Every browser starts as an English one with a
// fresh profile, so a page opens in English unless the test asks
// otherwise: ?lang=zh in the URL, a click on #lang-zh, or a browser
// launched as a Chinese one, launch({ lang: 'zh-CN' }) or
// run(body, { lang: 'zh-CN' }).  Set explicitly, not taken from the
// machine: Chromium follows $LANG, and a test must not change with it.
export const DEFAULT_LANG = 'en-US';

// TIME_SCALE stretches both for a slow server (make test-valgrind sets 3);
// it never shortens them.
const TIME_SCALE = Math.max(1, Number(env.TIME_SCALE) || 1);
const DEFAULT_TIMEOUT_MS = 60000 * TIME_SCALE;   // the whole script, browser included
const ACTION_TIMEOUT_MS = 10000 * TIME_SCALE;    // one goto / waitFor / click
const VIEWPORT = { width: 1024, height: 768 };

// The browser's language is what navigator.languages reports: Chromium
// needs --accept-lang for it (--lang alone leaves headless Chromium in
// en-US), Firefox the pref behind its language settings.
function launchOptions(userDataDir, lang) {
  const common = { headless: true, userDataDir, defaultViewport: VIEWPORT, timeout: 30000 };
  if (ENGINE === 'firefox') {
    return { ...common, browser: 'firefox', executablePath: FIREFOX,
             extraPrefsFirefox: { ...FIREFOX_PREFS, 'intl.accept_languages': lang } };
  }
  return { ...common, browser: 'chrome', executablePath: CHROMIUM,
           args: [...CHROMIUM_ARGS, `--lang=${lang}`, `--accept-lang=${lang}`] };
}

// Launch ENGINE with a fresh profile in a temp dir, as a browser whose
// language is lang (default DEFAULT_LANG).  Returns
// { browser, userDataDir, newPage, close }; newPage() gives a wrapped page
// (below).  run() does this for you.
export async function launch({ lang = DEFAULT_LANG } = {}) {
  if (!ENGINES.includes(ENGINE)) throw new Bail(`BROWSER=${ENGINE}: the engines are ${ENGINES.join(', ')}`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `rt-${ENGINE}-`));
  let browser;
  try {
    browser = await puppeteer.launch(launchOptions(userDataDir, lang));
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  // Each page gets a window of its own, as a reader's windows side by
  // side: a background tab is hidden, and Firefox runs a hidden page's
  // timers at most once a second, which no test is about.
  const newPage = async () => {
    const page = await browser.newPage({ type: 'window' });
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    return wrapPage(page);
  };
  const close = async () => {
    try { await browser.close(); } finally {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  };
  return { browser, userDataDir, newPage, close };
}

// --- the page: the Playwright-style calls the tests use --------------------
//
// A thin wrapper over a puppeteer Page.  Selectors are CSS, plus
// Playwright's `text=...` and `:has-text("...")`, both meaning "the
// innermost element whose text contains ..." (puppeteer's ::-p-text).
// Like Playwright: click, fill, check and press wait for the element to be
// visible and enabled; textContent, getAttribute, inputValue and
// isChecked wait for it to exist; waitForSelector waits for it to be
// visible; waitForFunction(fn, arg, { timeout, polling }) takes its
// argument before its options.  Any other call is an error naming this
// file, so a test using something new fails clearly in both engines.
// page.raw is the puppeteer Page, for what only one engine can do.

function cssOf(selector) {
  const text = /^text=(?:"(.*)"|(.*))$/.exec(selector);
  if (text) return `::-p-text(${text[1] ?? text[2]})`;
  return selector.replace(/:has-text\((?:"([^"]*)"|'([^']*)')\)/g, (m, a, b) => `::-p-text(${a ?? b})`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Page {
  constructor(page) { this.raw = page; }

  // Navigation and the page as a whole.  'load' is the page's own load
  // event, as in Playwright: puppeteer's would also wait for every frame
  // in it to load, and a forever frame never does.
  async goto(url, { waitUntil = 'load', timeout } = {}) {
    const options = timeout ? { timeout } : {};
    const res = await this.raw.goto(url, { ...options, waitUntil: 'domcontentloaded' });
    if (waitUntil === 'load') {
      await this.raw.waitForFunction(() => document.readyState === 'complete', { ...options, polling: 50 });
    }
    return res;
  }
  async reload({ waitUntil = 'load', timeout } = {}) {
    const options = timeout ? { timeout } : {};
    const res = await this.raw.reload({ ...options, waitUntil: 'domcontentloaded' });
    if (waitUntil === 'load') {
      await this.raw.waitForFunction(() => document.readyState === 'complete', { ...options, polling: 50 });
    }
    return res;
  }
  url() { return this.raw.url(); }
  title() { return this.raw.title(); }
  close() { return this.raw.close(); }
  on(event, fn) { this.raw.on(event === 'crash' ? 'error' : event, fn); return this; }
  setViewportSize({ width, height }) { return this.raw.setViewport({ width, height }); }
  screenshot(options) { return this.raw.screenshot(options); }
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  waitForTimeout(ms) { return sleep(ms); }
  waitForFunction(fn, arg, { timeout, polling = 'raf' } = {}) {
    return this.raw.waitForFunction(fn, { polling, ...(timeout !== undefined ? { timeout } : {}) }, arg);
  }

  // Elements.
  waitForSelector(selector, { timeout, state = 'visible' } = {}) {
    const options = { visible: state === 'visible', hidden: state === 'hidden' };
    if (timeout !== undefined) options.timeout = timeout;
    return this.raw.waitForSelector(cssOf(selector), options);
  }
  $(selector) { return this.raw.$(cssOf(selector)); }
  $$eval(selector, fn, arg) { return this.raw.$$eval(cssOf(selector), fn, arg); }
  async #attached(selector, fn, arg) {
    const el = await this.raw.waitForSelector(cssOf(selector));
    try { return await el.evaluate(fn, arg); } finally { await el.dispose(); }
  }
  textContent(selector) { return this.#attached(selector, (el) => el.textContent); }
  getAttribute(selector, name) { return this.#attached(selector, (el, n) => el.getAttribute(n), name); }
  inputValue(selector) { return this.#attached(selector, (el) => el.value); }
  isChecked(selector) { return this.#attached(selector, (el) => el.checked); }
  locator(selector, { hasText } = {}) {
    const all = () => this.raw.$$eval(cssOf(selector), (els, text) =>
      els.filter((el) => text === undefined || el.textContent.includes(text)).map((el) => el.textContent), hasText);
    return {
      count: async () => (await all()).length,
      allTextContents: all,
    };
  }

  // Input, as a user would: the element must be visible and enabled.
  click(selector) { return this.raw.locator(cssOf(selector)).click(); }
  async fill(selector, value) {
    // Playwright's fill: replace the value at once, then the events a
    // user's edit would fire.
    await this.raw.locator(cssOf(selector)).wait();
    await this.#attached(selector, (el, v) => {
      el.focus();
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }
  async #setChecked(selector, want) {
    if ((await this.isChecked(selector)) !== want) await this.click(selector);
    if ((await this.isChecked(selector)) !== want) throw new Error(`${selector}: clicking did not make checked=${want}`);
  }
  check(selector) { return this.#setChecked(selector, true); }
  uncheck(selector) { return this.#setChecked(selector, false); }
  async press(selector, key) {
    const el = await this.raw.waitForSelector(cssOf(selector), { visible: true });
    try { await el.press(key); } finally { await el.dispose(); }
  }

  // page.route(glob, handler): handler(route) calls route.continue().  The
  // glob's * matches anything.
  async route(glob, handler) {
    const re = new RegExp('^' + glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    await this.raw.setRequestInterception(true);
    this.raw.on('request', (request) => {
      if (request.isInterceptResolutionHandled()) return;
      if (!re.test(request.url())) {
        request.continue();
        return;
      }
      handler({ request: () => request, continue: () => request.continue() });
    });
  }
}

function wrapPage(page) {
  return new Proxy(new Page(page), {
    get(target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;   // not a thenable
      if (prop in target) {
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      throw new Error(`page.${prop} is not in the Playwright-style page of tests/browser/lib.mjs: add it there`);
    },
  });
}

// Errors seen by each page: uncaught exceptions ("pageerror"), console
// messages of type "error", and any response with an HTTP status of 400
// or more (Chromium also logs those to the console; Firefox does not
// tell the driver, so the response itself is what counts in both).
// Every console message, of any type, is kept as well:
// consoleMessages(page).
const errorsOf = new WeakMap();
const consoleOf = new WeakMap();

export function watchErrors(page) {
  const errors = [];
  const messages = [];
  errorsOf.set(page, errors);
  consoleOf.set(page, messages);
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    messages.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    errors.push(`console.error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`response ${res.status()}: ${res.url()}`);
  });
  page.on('crash', () => errors.push('the page crashed'));
  return errors;
}

export function pageErrors(page) {
  return errorsOf.get(page) || [];
}

export function consoleMessages(page) {
  return consoleOf.get(page) || [];
}

// Assert that the page had no page errors and no console errors.  The
// browser's own request for /favicon.ico is not the page's doing, so its
// 404 is ignored unless ignore: [] is given; other patterns may be added.
export const IGNORED_BY_DEFAULT = [/\/favicon\.ico\b/];

export function noErrors(page, desc = 'no page errors or console errors', { ignore = IGNORED_BY_DEFAULT } = {}) {
  const errors = pageErrors(page).filter((e) => !ignore.some((re) => re.test(e)));
  if (!ok(errors.length === 0, desc)) errors.forEach((e) => diag(e));
  return errors.length === 0;
}

export function screenshotDir() {
  return env.SCREENSHOT_DIR || env.TMPDIR || '/tmp';
}

// Save a full-page PNG as <dir>/<engine>/<name>.png and say where.
export async function screenshot(page, name) {
  const dir = path.join(screenshotDir(), ENGINE);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  diag(`screenshot: ${file}`);
  return file;
}

// The HTTP status of a URL, from the response headers alone: a stream
// (SSE, forever frame) would never finish its body.
export async function statusOf(url, { method = 'GET', timeout = 5000 } = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    const res = await fetch(url, { method, signal: ctl.signal, redirect: 'manual' });
    const status = res.status;
    await res.body?.cancel().catch(() => {});
    return status;
  } catch (e) {
    return `error: ${e.cause?.code || e.message}`;
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
}

// --- the runner ------------------------------------------------------------

function finish(code) {
  if (finished) return;
  finished = true;
  console.log(`1..${count}`);
  process.exitCode = code;
}

// Run a browser test body in ENGINE, then clean up and exit.  The body gets
//   { engine, newPage, screenshot, noErrors, pageErrors }
// newPage() opens a page (in a window of its own) whose errors are
// collected.  lang: the browser's language (DEFAULT_LANG, English).
export async function run(body, { timeout = Number(env.BROWSER_TEST_TIMEOUT) || DEFAULT_TIMEOUT_MS, lang = DEFAULT_LANG } = {}) {
  if (!BASE) {
    console.log('Bail out! BASE (or PORT) is not set: run me from a tests/*.t wrapper');
    process.exit(2);
  }
  let browser = null;
  const hard = setTimeout(() => {
    console.log(`Bail out! ${tapText(`${TAG}the browser test did not finish within ${timeout} ms`)}`);
    // puppeteer kills the browser it launched when node exits; the
    // profile is ours to remove.
    if (browser) fs.rmSync(browser.userDataDir, { recursive: true, force: true });
    finished = true;
    process.exit(2);
  }, timeout);

  let code = 0;
  try {
    browser = await launch({ lang });
    diag(`${ENGINE}: ${await browser.browser.version()}, language ${lang}`);
    const newPage = async () => {
      const page = await browser.newPage();
      watchErrors(page);
      return page;
    };
    await body({ engine: ENGINE, newPage, screenshot, noErrors, pageErrors, consoleMessages });
  } catch (e) {
    if (e instanceof Bail) {
      console.log(`Bail out! ${tapText(TAG + e.message)}`);
      code = 2;
    } else {
      ok(false, `the test ran to its end without an exception`);
      diag(e && e.stack ? e.stack : String(e));
    }
  }
  try {
    if (browser) await browser.close();
  } catch (e) {
    diag(`closing the browser: ${e.message}`);
  }
  clearTimeout(hard);
  if (count === 0 && code === 0) ok(false, 'the test asserted something');
  finish(code || (failed ? 1 : 0));
}
