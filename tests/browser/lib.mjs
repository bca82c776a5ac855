// tests/browser/lib.mjs - the shared helper of the browser tests.
//
// A browser test is a node script under tests/browser/ run by a bash
// wrapper tests/NN-name.t, which starts our server and relays the script's
// TAP through tests/lib.sh:
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
//   await run(async ({ newPage, screenshot, noErrors }) => {
//     const page = await newPage();                // errors collected per page
//     await page.goto(BASE + '/sse.html');
//     await page.waitForSelector('#log li');       // Playwright waits
//     like(await page.textContent('#log'), /"type":"time"/, 'a time event arrived');
//     await screenshot(page, 'sse');               // $SCREENSHOT_DIR or $TMPDIR
//     noErrors(page, 'no page or console errors');
//   });
//
// run() launches Debian's Chromium (/usr/bin/chromium, $CHROMIUM overrides)
// through playwright-core with a fresh temporary profile, calls the body,
// turns an exception into a failed test, closes the browser, removes the
// profile, prints the plan ("1..N") and exits: 0 when every test passed, 1
// otherwise.  A hard timeout ($BROWSER_TEST_TIMEOUT ms, default 60000, or
// run(body, { timeout })) prints "Bail out!", kills the browser and exits 2,
// so a hung page cannot stall CI.
//
// Also: newPage() collects each page's uncaught exceptions and console
// errors, noErrors(page, desc) asserts there were none (the browser's own
// /favicon.ico 404 aside), screenshot(page, name) saves name.png,
// statusOf(url) gives a URL's HTTP status without reading its body (safe
// on streams), BASES lists the URL of each listener (cross-port tests).
//
// TAP helpers: ok(cond, desc), is(got, want, desc), like(str, regex, desc),
// unlike(str, regex, desc), diag(msg), skip(desc, why), bail(msg).  Each
// returns whether it passed, so a test can stop early.  Run it alone with
//   BASE=http://127.0.0.1:3000 node tests/browser/index.mjs
// against a server started by hand.

import { chromium } from 'playwright-core';
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
  console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${tapText(desc)}`);
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
  console.log(`ok ${count} - ${tapText(desc)} # SKIP ${tapText(why)}`);
}

// Stop at once: prove reports the reason.  The cleanup of run() still runs.
export class Bail extends Error {}
export function bail(msg) {
  throw new Bail(msg);
}

// --- the browser -----------------------------------------------------------

export const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
// TIME_SCALE stretches both for a slow server (make test-valgrind sets 3);
// it never shortens them.
const TIME_SCALE = Math.max(1, Number(env.TIME_SCALE) || 1);
const DEFAULT_TIMEOUT_MS = 60000 * TIME_SCALE;   // the whole script, browser included
const ACTION_TIMEOUT_MS = 10000 * TIME_SCALE;    // one goto / waitFor / click

// Launch Chromium with a fresh profile in a temp dir.  Returns
// { context, userDataDir, close }.  run() does this for you.
export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1024, height: 768 },
      timeout: 30000,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const close = async () => {
    try { await context.close(); } finally {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  };
  return { context, userDataDir, close };
}

// Errors seen by each page: uncaught exceptions ("pageerror") and console
// messages of type "error" (a failed resource load shows up here too).
const errorsOf = new WeakMap();

export function watchErrors(page) {
  const errors = [];
  errorsOf.set(page, errors);
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    errors.push(`console.error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('crash', () => errors.push('the page crashed'));
  return errors;
}

export function pageErrors(page) {
  return errorsOf.get(page) || [];
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

// Save a full-page PNG as <dir>/<name>.png and say where.
export async function screenshot(page, name) {
  const dir = screenshotDir();
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

// Run a browser test body, then clean up and exit.  The body gets
//   { context, newPage, screenshot, noErrors, pageErrors }
// newPage() opens a page whose errors are collected.
export async function run(body, { timeout = Number(env.BROWSER_TEST_TIMEOUT) || DEFAULT_TIMEOUT_MS } = {}) {
  if (!BASE) {
    console.log('Bail out! BASE (or PORT) is not set: run me from a tests/*.t wrapper');
    process.exit(2);
  }
  let browser = null;
  const hard = setTimeout(() => {
    console.log(`Bail out! the browser test did not finish within ${timeout} ms`);
    // Playwright kills the browser it launched when node exits.
    if (browser) fs.rmSync(browser.userDataDir, { recursive: true, force: true });
    finished = true;
    process.exit(2);
  }, timeout);

  let code = 0;
  try {
    browser = await launch();
    const { context } = browser;
    const newPage = async () => {
      const page = await context.newPage();
      watchErrors(page);
      return page;
    };
    await body({ context, newPage, screenshot, noErrors, pageErrors });
  } catch (e) {
    if (e instanceof Bail) {
      console.log(`Bail out! ${tapText(e.message)}`);
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
