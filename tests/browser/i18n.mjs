// tests/browser/i18n.mjs - every page in Chinese and in English (issue 14),
// in each engine.  Run by tests/96-browser-i18n.t.
//
// For every page in www/ (the list is read from the directory, so a new
// page is covered without a line here), opened with ?lang=zh and with
// ?lang=en, its scripts running (the wire views and fault panels open, a
// message published, the page's own connection started where a click
// starts it):
//   - <html lang> is zh-CN / en, and the toggle #lang-toggle is there with
//     both labels, the current one pressed;
//   - no text of the other language is visible: in Chinese no run of
//     English prose (two English words in a row), in English no Chinese
//     character, outside the article's own words ([data-article]), code
//     and data (code, pre, kbd, samp, textarea, input, [data-no-i18n]).
//     Checked are the visible text nodes (joined within their block, so
//     "<b>publish</b> it" is one run), the placeholders and button values
//     of inputs, the selected option of a select, and document.title
//     (which in English may quote the article's words shown on the page);
//   - the same after a click on the toggle, on the same page: what a
//     script wrote follows the switch too;
//   - no page error and no I18N error (a missing string logs one);
//   - a screenshot of the page in Chinese (i18n-zh-<page>.png).
// Then, on a few pages: the toggle's choice is stored and wins over the
// browser's language on a reload and on another page, ?lang= wins over
// both without being stored; a browser whose language is Chinese
// (launched as zh-CN) gets Chinese with no choice stored; switching
// keeps a running connection: sse.html's EventSource and compare.html's
// nine clients go on, the server sees no new request, the counters are
// not reset and a message published after the switch arrives.
//
// stepper.html needs a server in step mode, whose data plane moves only
// when stepped, so no other page can run beside it: the .t file runs this
// script a second time against such a server with STEP_BASE set, and
// then only stepper.html is checked (on the control port).

import fs from 'node:fs';
import {
  run, ok, is, like, diag, BASE, PORT, PORT2, PORT3, launch, watchErrors, pageErrors,
} from './lib.mjs';

const env = process.env;
const STEP_BASE = env.STEP_BASE || '';
const TIME_SCALE = Math.max(1, Number(env.TIME_SCALE) || 1);
const SETTLE_MS = 2000 * TIME_SCALE;     // the page's scripts write their first texts
const WIRE_MS = 3000 * TIME_SCALE;       // an opened wire view shows its rows
const ARRIVE_MS = 10000 * TIME_SCALE;    // a published message reaches a page
const SHOW_MAX = 8;                      // offending texts listed per failure

const WWW = new URL('../../www/', import.meta.url);
const ALL_PAGES = fs.readdirSync(WWW).filter((f) => f.endsWith('.html')).sort();
const STEP_ONLY = ['stepper.html'];
// I18N_PAGES=a.html,b.html checks only those (while translating a page);
// the choice and switch checks below then run only if index.html is one.
const ONLY = env.I18N_PAGES ? env.I18N_PAGES.split(',') : null;
const PAGES = (STEP_BASE ? STEP_ONLY : ALL_PAGES.filter((f) => !STEP_ONLY.includes(f)))
  .filter((f) => !ONLY || ONLY.includes(f));

// Where a page is opened, and what else its URL needs.
function pageUrl(file, lang) {
  const base = STEP_ONLY.includes(file) ? STEP_BASE : BASE;
  const extra = file === 'compare.html' ? `&ports=${[PORT, PORT2, PORT3].filter(Boolean).join(',')}` : '';
  return `${base}/${file}?lang=${lang}${extra}`;
}

// The click that starts a page's own connection or output, where the page
// waits for one (as a reader would press it), so what its scripts then
// write is checked too.
const EXERCISE = {
  'compare.html': ['#publish'],
  'websocket.html': ['text=建立连接'],
  'sse.html': ['#build'],
  'sse-limit.html': ['#open-same'],
  'iframe-long-connection.html': ['text=开始连接'],
  'fetch-streaming.html': ['text=开始连接'],
  'xhr-streaming.html': ['text=开始连接'],
  'streaming-reply.html': ['#send'],
  'article-mode.html': ['#run-unframed'],
  'stepper.html': ['#ws-open', '#step1', '#step1'],   // accept, then the handshake's notes
};

// Published while each page runs: prose in each language, which a page
// must show as data (marked), never as its own text.
const PROBES = ['i18n probe: plain English words', 'i18n 探针：一条中文消息'];

const publish = (text) => fetch(`${BASE}/publish`, { method: 'POST', body: text });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// In the page: every visible text of the wrong language for `mode`
// ('zh' or 'en'), as [{ text, where }].
function offending(mode) {
  const EXEMPT = 'code, pre, kbd, samp, textarea, input, script, style, noscript, template, ' +
    'svg title, [data-article], [data-no-i18n]';
  const HAN = /[\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/;
  const WORD = "[A-Za-z]+(?:['’-][A-Za-z]+)*";
  const EN_RUN = new RegExp(`${WORD}[\\s\\u00a0]+${WORD}`);
  const wrong = (text) => (mode === 'zh' ? EN_RUN.exec(text) : HAN.exec(text));
  const out = [];
  const where = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') +
        (typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : ''));
    }
    return parts.join(' > ');
  };
  const shown = (el) => el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true });
  const report = (text, el) => {
    const m = wrong(text);
    if (m) out.push({ text: text.trim().slice(0, 160), match: m[0], where: where(el) });
  };
  const blockOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const d = getComputedStyle(e).display;
      if (!d.startsWith('inline') && d !== 'contents') return e;
    }
    return document.body;
  };

  // Visible text nodes, joined while they share their block.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let run = { block: null, text: '', el: null };
  const flush = () => { if (run.text.trim()) report(run.text, run.el); run = { block: null, text: '', el: null }; };
  const range = document.createRange();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.data.trim() || el.closest(EXEMPT) || !shown(el)) continue;
    range.selectNodeContents(n);
    if (range.getClientRects().length === 0 && !(el instanceof SVGElement && el.getClientRects().length > 0)) continue;
    const block = blockOf(el);
    if (block !== run.block) flush();
    run.block = block;
    run.el = run.el || el;
    run.text += n.data;
  }
  flush();

  // What inputs show of their own: a placeholder while empty, a button's value.
  for (const input of document.querySelectorAll('input, textarea')) {
    if (!shown(input) || input.closest('[data-no-i18n], [data-article]')) continue;
    if (/^(button|submit|reset)$/i.test(input.type)) report(input.value, input);
    else if (input.placeholder && !input.value) report(input.placeholder, input);
  }
  for (const select of document.querySelectorAll('select')) {
    const opt = select.selectedOptions[0];
    if (opt && shown(select) && !opt.closest('[data-no-i18n], [data-article]')) report(opt.textContent, select);
  }

  // The tab's title.  In English it may quote the article's words the
  // page shows (its headings are Chinese in both languages).
  let title = document.title;
  if (mode === 'en') {
    for (const a of document.querySelectorAll('[data-article]')) {
      const t = a.textContent.trim();
      if (t) title = title.split(t).join(' ');
    }
  }
  report(title, document.querySelector('title') || document.documentElement);
  return out;
}

async function checkLanguage(page, mode, label) {
  const bad = await page.evaluate(offending, mode);
  const what = mode === 'zh' ? 'no English prose' : 'no Chinese';
  if (!ok(bad.length === 0, `${label}: ${what} visible outside the article's words, code and data`)) {
    for (const b of bad.slice(0, SHOW_MAX)) diag(`${JSON.stringify(b.match)} in ${JSON.stringify(b.text)} (${b.where})`);
    if (bad.length > SHOW_MAX) diag(`... and ${bad.length - SHOW_MAX} more`);
  }
}

async function checkToggle(page, lang, label) {
  const t = await page.evaluate(() => {
    const g = document.getElementById('lang-toggle');
    const zh = document.getElementById('lang-zh');
    const en = document.getElementById('lang-en');
    return {
      html: document.documentElement.lang,
      group: g ? [g.getAttribute('role'), g.getAttribute('aria-label'), g.parentElement === document.body] : null,
      zh: zh && [zh.textContent, zh.getAttribute('aria-pressed'), zh.checkVisibility()],
      en: en && [en.textContent, en.getAttribute('aria-pressed'), en.checkVisibility()],
      api: typeof I18N === 'object' ? I18N.lang() : null,
    };
  });
  is(t.html, lang === 'zh' ? 'zh-CN' : 'en', `${label}: <html lang> is ${lang === 'zh' ? 'zh-CN' : 'en'}`);
  is(t.api, lang, `${label}: I18N.lang() is ${lang}`);
  is(t.group, ['group', '语言 / Language', true], `${label}: the toggle is a labelled group in the body`);
  is([t.zh, t.en], [['中文', String(lang === 'zh'), true], ['English', String(lang === 'en'), true]],
    `${label}: both labels shown, ${lang === 'zh' ? '中文' : 'English'} pressed`);
}

// Open every details panel, publish the probes, press the page's own
// start button(s), and give the scripts time to write.
async function exercise(page, file, label) {
  await page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) {
      d.dataset.i18nWasOpen = d.open ? '1' : '';
      d.open = true;
    }
  });
  for (const sel of EXERCISE[file] || []) {
    let clicked = true;
    try {
      await page.click(sel);
    } catch (e) {
      clicked = false;
      diag(e.message);
    }
    ok(clicked, `${label}: pressed ${sel}`);
    await sleep(300);
  }
  if (!STEP_BASE) for (const p of PROBES) await publish(p);
  await sleep(SETTLE_MS);
  // The wire views load when opened; wait for their first answer.
  await page.waitForFunction(() => [...document.querySelectorAll('details.wire .meta')].every((m) => m.textContent.trim() !== ''),
    null, { timeout: WIRE_MS, polling: 100 }).catch(() => diag(`${label}: a wire view had not answered within ${WIRE_MS} ms`));
}

const i18nErrors = (page) => pageErrors(page).filter((e) => /^pageerror|I18N/.test(e));

await run(async ({ newPage, screenshot }) => {
  ok(PAGES.length > 0, `pages to check: ${PAGES.join(', ')}`);
  for (const file of PAGES) {
    for (const [first, second] of [['zh', 'en'], ['en', 'zh']]) {
      const label = `${file}?lang=${first}`;
      const page = await newPage();
      const res = await page.goto(pageUrl(file, first));
      is(res && res.status(), 200, `${label}: 200`);
      await checkToggle(page, first, label);
      await exercise(page, file, label);
      await checkLanguage(page, first, label);
      if (first === 'zh') {
        // As a reader first sees it: the panels closed that were closed,
        // and from the top, where the fixed toggle is drawn.
        await page.evaluate(() => {
          for (const d of document.querySelectorAll('details')) d.open = d.dataset.i18nWasOpen === '1';
          window.scrollTo(0, 0);
        });
        await screenshot(page, `i18n-zh-${file.replace(/\.html$/, '')}`);
      }
      await page.click(`#lang-${second}`);
      await checkToggle(page, second, `${label}, then ${second === 'zh' ? '中文' : 'English'} pressed`);
      await sleep(300);
      await checkLanguage(page, second, `${label}, then switched to ${second}`);
      const errs = i18nErrors(page);
      if (!ok(errs.length === 0, `${label}: no page error, no missing string`)) errs.forEach((e) => diag(e));
      await page.close();
    }
  }
  if (STEP_BASE || (ONLY && !ONLY.includes('index.html'))) return;

  // --- the choice: ?lang=, then the stored choice, then the browser -------
  // The clicks above stored a choice: forget it first.
  let page = await newPage();
  await page.goto(`${BASE}/index.html`);
  await page.evaluate(() => localStorage.removeItem('lang'));
  await page.reload();
  await checkToggle(page, 'en', 'an English browser, nothing stored');
  await page.click('#lang-zh');
  await checkToggle(page, 'zh', 'index.html, 中文 pressed');
  is(await page.evaluate(() => [localStorage.getItem('lang'), location.search]), ['zh', ''],
    'the choice is stored (localStorage lang=zh) and the URL keeps no ?lang=');
  await page.reload();
  await checkToggle(page, 'zh', 'index.html reloaded');
  await page.goto(`${BASE}/source.html`);
  await checkToggle(page, 'zh', 'another page, source.html');
  await page.goto(`${BASE}/index.html?lang=en`);
  await checkToggle(page, 'en', '?lang=en over the stored zh');
  is(await page.evaluate(() => localStorage.getItem('lang')), 'zh', '?lang= is not stored');
  await page.click('#lang-zh');
  like(await page.evaluate(() => location.search), /^\?lang=zh$/, 'a click rewrites ?lang= in the URL');
  await page.click('#lang-en');
  is(await page.evaluate(() => [location.search, localStorage.getItem('lang')]), ['?lang=en', 'en'], '... each time, and stores the choice');
  await page.goto(`${BASE}/index.html`);
  await checkToggle(page, 'en', 'index.html without ?lang=, English stored');
  await page.close();

  const zhBrowser = await launch({ lang: 'zh-CN' });
  try {
    const zp = await zhBrowser.newPage();
    watchErrors(zp);
    await zp.goto(`${BASE}/index.html`);
    is(await zp.evaluate(() => navigator.languages[0]), 'zh-CN', 'a browser launched as zh-CN reports navigator.languages zh-CN');
    await checkToggle(zp, 'zh', 'a Chinese browser, nothing stored');
    await checkLanguage(zp, 'zh', 'index.html in a Chinese browser');
    await zp.goto(`${BASE}/compare.html?lang=en&ports=${[PORT, PORT2, PORT3].filter(Boolean).join(',')}`);
    await checkToggle(zp, 'en', 'a Chinese browser, ?lang=en');
    await zp.click('#lang-en');
    await zp.goto(`${BASE}/chat.html`);
    await checkToggle(zp, 'en', 'a Chinese browser, English stored');
    const errs = i18nErrors(zp);
    if (!ok(errs.length === 0, 'the Chinese browser: no page error, no missing string')) errs.forEach((e) => diag(e));
  } finally {
    await zhBrowser.close();
  }

  // --- a switch keeps the running connection --------------------------------
  const stats = async () => (await fetch(`${BASE}/stats`)).json();
  page = await newPage();
  await page.goto(`${BASE}/sse.html?lang=zh`);
  await page.click('#build');
  await page.waitForFunction(() => window.sseEvents.length > 0, null, { timeout: ARRIVE_MS });
  await page.evaluate(() => { window.i18nSource = typeof SSETarget === 'object' ? SSETarget : null; });
  const before = await stats();
  const seenBefore = await page.evaluate(() => window.sseEvents.length);
  const logBefore = await page.evaluate(() => document.body.textContent.length);
  for (const l of ['en', 'zh', 'en']) await page.click(`#lang-${l}`);
  const probe = `after the switch ${Date.now()}`;
  await publish(probe);
  const arrived = await page.waitForFunction((p) => window.sseEvents.some((e) => e.data === p), probe, { timeout: ARRIVE_MS })
    .then(() => true, () => false);
  ok(arrived, 'sse.html: switched three times, the event published after it arrives');
  const after = await stats();
  is(after.techniques.sse.requests, before.techniques.sse.requests, 'sse.html: no new SSE request: the same EventSource goes on');
  is(after.connections.sse, 1, 'sse.html: one SSE stream open on the server');
  ok(await page.evaluate(() => window.i18nSource === null || (window.i18nSource === SSETarget && SSETarget.readyState === 1)),
    'sse.html: the page still holds the same open EventSource');
  ok(await page.evaluate((n) => window.sseEvents.length > n, seenBefore), 'sse.html: the events received before the switch are kept');
  ok(await page.evaluate((n) => document.body.textContent.length >= n, logBefore), 'sse.html: the log was not cleared');
  await page.close();

  page = await newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${BASE}/compare.html?lang=en&interval=500&ports=${[PORT, PORT2, PORT3].filter(Boolean).join(',')}`);
  const received = () => page.$$eval('.pane .received', (rs) => rs.map((r) => Number(r.textContent)));
  const allReady = () => page.waitForFunction(() => document.querySelectorAll('.pane[data-ready="1"]').length === 9, null,
    { timeout: ARRIVE_MS * 2, polling: 100 }).then(() => true, () => false);
  ok(await allReady(), 'compare.html: the nine panes are ready');
  await page.click('#publish');
  await page.waitForFunction(() => [...document.querySelectorAll('.pane .received')].every((r) => r.textContent === '1'), null,
    { timeout: ARRIVE_MS, polling: 100 }).catch(() => {});
  is(await received(), Array(9).fill(1), 'compare.html: the first message reached every pane');
  const streamsBefore = (await stats()).techniques;
  await page.click('#lang-zh');
  await checkLanguage(page, 'zh', 'compare.html switched to 中文 while running');
  await page.click('#publish');
  await page.waitForFunction(() => [...document.querySelectorAll('.pane .received')].every((r) => r.textContent === '2'), null,
    { timeout: ARRIVE_MS, polling: 100 }).catch(() => {});
  is(await received(), Array(9).fill(2), 'compare.html: after the switch the counters go on (2 in every pane, not 1)');
  const streamsAfter = (await stats()).techniques;
  for (const k of ['forever_frame', 'websocket', 'sse', 'fetch_stream', 'xhr_stream']) {
    is(streamsAfter[k].requests, streamsBefore[k].requests, `compare.html: ${k} made no new request across the switch`);
  }
  const errs = i18nErrors(page);
  if (!ok(errs.length === 0, 'compare.html: no page error, no missing string')) errs.forEach((e) => diag(e));
  await page.close();
}, { timeout: 900000 * TIME_SCALE });
