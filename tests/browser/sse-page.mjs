// tests/browser/sse-page.mjs - www/sse.html (ARTICLE §5.2) in each engine,
// against sse.c: the article's testEvent listener fires, published
// messages show as text (markup and line breaks included), the page's
// close and reopen resumes with ?lastEventId=, a stream the server ends
// (?closeAfter=N) is reconnected by the browser itself with Last-Event-ID
// and loses nothing published meanwhile, and the cross-port (CORS) case
// works.  Run by tests/52-sse-browser.t.

import { run, ok, is, like, diag, BASE, BASES } from './lib.mjs';

const TEST_TIMEOUT_MS = 90000;

async function publish(text, base = BASE) {
  const res = await fetch(base + '/publish', { method: 'POST', body: text });
  return (await res.json()).id;
}

// Wait until fn() (run in the page) is truthy, at most ms.
async function until(page, fn, arg, ms = 10000) {
  await page.waitForFunction(fn, arg, { timeout: ms, polling: 100 });
}

const events = (page) => page.evaluate(() => window.sseEvents);

function messageIds(list) {
  return list.filter((e) => e.type === 'message').map((e) => Number(e.id));
}

function gapsAndDuplicates(ids) {
  const problems = [];
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] !== ids[i - 1] + 1) problems.push(`${ids[i - 1]} -> ${ids[i]}`);
  }
  return problems;
}

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  await page.goto(BASE + '/sse.html');
  is(await page.textContent('#build'), '建立连接', 'the article\'s 建立连接 button');
  is(await page.textContent('#close'), '关闭连接', 'the article\'s 关闭连接 button');
  ok(await page.$('#message-collector'), 'the article\'s #message-collector');

  // ---- testEvent fires, messages show --------------------------------
  await page.click('#build');
  await until(page, () => document.querySelector('#test-event').className === 'fired');
  like(await page.textContent('#test-event'), /^testEvent fired: connected: live events after id \d+ follow \(id \d+\)$/,
    'the testEvent listener fired (the article\'s never does)');
  await until(page, () => /^\d\d:\d\d:\d\d$/.test(document.querySelector('#message-collector').textContent));
  ok(true, 'the clock shows in #message-collector (the "message" listener)');
  like(await page.textContent('#status'), /open: 数据链路可以通信/, 'the open listener wrote its status line (no alert)');
  like(await page.textContent('#url'), new RegExp(`^${BASE}/sseStream$`), 'same origin by default');

  const hostile = '<b id="injected">bold?</b>\nsecond line\r\nthird';
  const hostileId = await publish(hostile);
  await until(page, (id) => window.sseEvents.some((e) => e.id === String(id)), hostileId);
  const got = (await events(page)).find((e) => e.id === String(hostileId));
  is(got.data, '<b id="injected">bold?</b>\nsecond line\nthird',
    'a published message arrives whole; CRLF reads as LF (the browser\'s own parser)');
  is(got.type, 'message', '... as a "message" event');
  ok(!(await page.$('#injected')), 'its markup is shown as text, not parsed (textContent)');

  // ---- the page closes and reopens: resumes with ?lastEventId= -------
  await page.click('#close');
  const lastBefore = Math.max(...messageIds(await events(page)));
  const whileClosed = await publish('published while the page was closed');
  await page.waitForTimeout(1200);
  await page.click('#build');
  like(await page.textContent('#url'), /\?lastEventId=\d+$/, 'reopening asks to resume after the last id seen');
  await until(page, (id) => window.sseEvents.some((e) => e.id === String(id)), whileClosed);
  ok(true, 'the message published while closed arrived after 建立连接');
  let ids = messageIds(await events(page)).filter((id) => id > lastBefore - 3);
  is(gapsAndDuplicates(ids.filter((id) => id >= lastBefore)).join(', '), '',
    'close + reopen: no gap and no duplicate');

  // ---- the server ends the stream: the browser reconnects itself -----
  await page.click('#close');
  await page.check('#close-after');
  await page.fill('#close-after-n', '3');
  const startCount = (await events(page)).length;
  await page.click('#build');
  // When each end is seen ("error") and each reconnection opens.
  await page.evaluate(() => {
    window.sseTimes = [];
    for (const type of ['error', 'open']) SSETarget.addEventListener(type, () => window.sseTimes.push([type, performance.now()]));
  });
  // Wait for the first end of the response (the "error" listener), then
  // publish while the browser waits its retry delay to reconnect.
  await until(page, () => /error: .*reconnects after the retry delay/.test(document.querySelector('#status').textContent), null, 15000);
  const duringGap = await publish('published during the reconnection delay');
  await until(page, (id) => window.sseEvents.some((e) => e.id === String(id)), duringGap, 15000);
  ok(true, 'a message published while the browser was reconnecting arrived');
  // and one more full cycle
  await until(page, (n) => window.sseEvents.slice(n).filter((e) => e.type === 'testEvent').length >= 3,
    startCount, 20000);
  const cycle = (await events(page)).slice(startCount);
  const testEvents = cycle.filter((e) => e.type === 'testEvent');
  like(testEvents[1].data, /^resumed after id \d+: /, 'the reconnection resumed (the browser sent Last-Event-ID)');
  const idBeforeReconnect = Number(cycle[cycle.indexOf(testEvents[1]) - 1].id);
  is(testEvents[1].data.match(/after id (\d+)/)[1], String(idBeforeReconnect),
    '... after exactly the last id the page had (the header beat the URL\'s older ?lastEventId=)');
  ids = messageIds(cycle);
  ok(ids.length >= 6, `events across ${testEvents.length - 1} reconnections (${ids.length})`);
  is(gapsAndDuplicates(ids).join(', '), '', 'across server-side ends and reconnections: no gap, no duplicate');
  // The browser waits the server's retry: (SSE_RETRY_MS, 3000) before it
  // reconnects; 200 ms of slack for when the error event is dispatched.
  const times = await page.evaluate(() => window.sseTimes);
  const waits = times.slice(1).map((t, i) => (times[i][0] === 'error' && t[0] === 'open' ? Math.round(t[1] - times[i][1]) : null))
    .filter((w) => w !== null);
  ok(waits.length >= 2 && waits.every((w) => w >= 2800), `each reconnection waited the server's retry: 3000 (${waits.join(', ')} ms)`);
  await screenshot(page, 'sse');
  await page.click('#close');
  noErrors(page, 'no page errors');

  // ---- cross-port (the article's page on 3000 reading 3002) ----------
  if (BASES.length < 2) {
    diag('only one port: the cross-port case is not tested');
    return;
  }
  const other = new URL(BASES[1]).port;
  const page2 = await newPage();
  await page2.goto(`${BASE}/sse.html?port=${other}`);
  ok(await page2.isChecked('#cross-port'), '?port=N ticks the cross-port box');
  await page2.click('#build');
  like(await page2.textContent('#url'), new RegExp(`:${other}/sseStream$`), 'the stream is on the other port');
  await until(page2, () => document.querySelector('#test-event').className === 'fired');
  const crossId = await publish('across origins');
  await until(page2, (id) => window.sseEvents.some((e) => e.id === String(id)), crossId);
  ok(true, 'a page from one port reads the stream of another (Access-Control-Allow-Origin: *)');
  // The cross-origin reconnection carries Last-Event-ID too.
  await page2.click('#close');
  await page2.check('#close-after');
  await page2.fill('#close-after-n', '2');
  const crossStart = (await events(page2)).length;
  await page2.click('#build');
  await until(page2, (n) => window.sseEvents.slice(n).filter((e) => e.type === 'testEvent').length >= 2,
    crossStart, 15000);
  const crossTests = (await events(page2)).slice(crossStart).filter((e) => e.type === 'testEvent');
  like(crossTests[1].data, /^resumed after id \d+: /, 'a cross-port reconnection resumes with Last-Event-ID as well');
  is(gapsAndDuplicates(messageIds((await events(page2)).slice(crossStart))).join(', '), '',
    '... with no gap and no duplicate');
  await page2.click('#close');
  await screenshot(page2, 'sse-cross-port');
  noErrors(page2, 'no page errors on the cross-port page');
}, { timeout: TEST_TIMEOUT_MS });
