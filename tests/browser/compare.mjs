// tests/browser/compare.mjs - www/compare.html in each engine: all nine
// panes (the seven techniques of the article and the fetch and XHR
// streams that correct its §2) get ready, then each of MESSAGES published messages (the page's
// own button) arrives in every pane once, and every pane shows its
// latency, requests per message and bytes per message, no loss and no
// repeat; the chart draws one point per pane and message.  Then the
// timer publishes a few more, all of which every pane gets once, and the
// reset button clears the numbers.  Last, the page's own demonstration
// of the connection limit (two copies on one port, polls holding): a click
// on publish waits in Chromium and goes through in Firefox.  Run by
// tests/93-browser-compare.t, which starts a server on three ports.
//
// A pane that never receives fails here: every wait is bounded and does
// not throw, and the counts are asserted per pane afterwards.

import { run, ok, is, like, diag, PORT, PORT2, PORT3, BASE } from './lib.mjs';

const MESSAGES = 3;
const READY_MS = 15000;         // all nine panes connected
const ARRIVE_MS = 10000;        // one message in all nine panes
const STATS_MS = 5000;          // a /stats reading after the last message
const AUTO = 3;                 // then at least this many by the timer
const AUTO_MS = 15000;          // for those
const INTERVAL_MS = 500;        // the page's short-poll interval, for speed
const TECHS = ['short_poll', 'long_poll', 'iframe_poll', 'jsonp_poll', 'forever_frame', 'websocket', 'sse',
               'fetch_stream', 'xhr_stream'];
const STREAMS = ['forever_frame', 'websocket', 'sse', 'fetch_stream', 'xhr_stream'];

// Wait for a condition in the page; false (not an exception) on timeout.
async function waitIn(page, fn, arg, timeout) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
    return true;
  } catch (e) {
    return false;
  }
}

const paneText = (page, key, cls) => page.textContent(`.pane[data-tech="${key}"] .${cls}`);

await run(async ({ newPage, screenshot, noErrors, engine }) => {
  const ports = [PORT, PORT2, PORT3].filter(Boolean);
  ok(ports.length === 3, `the server listens on three ports (${ports.join(', ')})`);
  const page = await newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const res = await page.goto(`${BASE}/compare.html?ports=${ports.join(',')}&interval=${INTERVAL_MS}`);
  is(res && res.status(), 200, 'GET /compare.html answers 200');
  is(await page.$$eval('.pane', (ps) => ps.map((p) => p.dataset.tech)), TECHS, 'nine panes, one per technique');

  // The panes are spread over the three ports.
  const wheres = await page.$$eval('.pane .where', (ws) => ws.map((w) => w.textContent).join('\n'));
  for (const p of ports) like(wheres, new RegExp(`:${p}/`), `a pane connects to port ${p}`);

  const allReady = await waitIn(page, (n) => document.querySelectorAll('.pane[data-ready="1"]').length === n, TECHS.length, READY_MS);
  for (const key of TECHS) {
    ok(await page.$(`.pane[data-tech="${key}"][data-ready="1"]`), `${key}: ready (state: ${await paneText(page, key, 'state')})`);
  }
  if (!allReady) diag('not every pane got ready; going on to show which ones receive');

  for (let k = 1; k <= MESSAGES; k++) {
    await page.click('#publish');
    const arrived = await waitIn(page, ([keys, want]) => keys.every((key) => {
      const el = document.querySelector(`.pane[data-tech="${key}"] .received`);
      return el && Number(el.textContent) >= want;
    }), [TECHS, k], ARRIVE_MS);
    if (!arrived) diag(`message ${k} did not reach every pane within ${ARRIVE_MS} ms`);
  }
  // Wait for a /stats reading taken after the last arrival.
  await waitIn(page, (keys) => keys.every((key) => /^\d/.test(document.querySelector(`.pane[data-tech="${key}"] .bytes`).textContent)), TECHS, STATS_MS);
  await page.waitForTimeout(1200);   // one more reading, so the last message's bytes are in

  for (const key of TECHS) {
    is(await paneText(page, key, 'received'), String(MESSAGES), `${key}: received all ${MESSAGES} messages`);
    like(await paneText(page, key, 'latency'), /^\d+(\.\d)? ms$/, `${key}: shows a latency`);
    like(await paneText(page, key, 'median'), /^\d+(\.\d)? ms$/, `${key}: shows a median latency`);
    const req = await paneText(page, key, 'req');
    like(req, /^\d+\.\d\d$/, `${key}: shows requests per message (${req})`);
    const bytes = await paneText(page, key, 'bytes');
    ok(/^\d+$/.test(bytes) && Number(bytes) > 0, `${key}: shows bytes per message (${bytes})`);
    is(await paneText(page, key, 'lost'), '0', `${key}: nothing lost`);
    is(await paneText(page, key, 'dup'), '0', `${key}: nothing repeated`);
    if (STREAMS.includes(key)) is(req, '0.00', `${key}: a stream makes no request per message`);
    else ok(Number(req) > 0, `${key}: a poll makes requests per message`);
  }

  // The chart: one point per pane and message, a legend entry per pane.
  is(await page.$$eval('#chart circle', (cs) => cs.length), TECHS.length * MESSAGES, 'the chart plots every arrival');
  is(await page.$$eval('#legend li', (ls) => ls.length), TECHS.length, 'the legend names every technique');
  like(await page.textContent('#ports-explained'), new RegExp(`port ${PORT2}: long polling, forever frame, XHR streaming`), 'the text says which pane uses which port');

  // The timer: publish every 0.5 s until every pane has AUTO more, then
  // stop; every pane must end with every message, once.
  await page.fill('#every', '0.5');
  await page.check('#auto');
  const more = await waitIn(page, ([keys, want]) => keys.every((key) =>
    Number(document.querySelector(`.pane[data-tech="${key}"] .received`).textContent) >= want), [TECHS, MESSAGES + AUTO], AUTO_MS);
  ok(more, `the timer published at least ${AUTO} more messages, and every pane received them`);
  await page.uncheck('#auto');
  const total = await page.evaluate(() => [...window.compare.published.values()].filter((p) => !p.failed).length);
  ok(total >= MESSAGES + AUTO, `${total} messages published in all`);
  await waitIn(page, ([keys, want]) => keys.every((key) =>
    Number(document.querySelector(`.pane[data-tech="${key}"] .received`).textContent) >= want), [TECHS, total], ARRIVE_MS);
  for (const key of TECHS) {
    is(await paneText(page, key, 'received'), String(total), `${key}: received all ${total} messages`);
    is(await paneText(page, key, 'lost'), '0', `${key}: still nothing lost`);
    is(await paneText(page, key, 'dup'), '0', `${key}: still nothing repeated`);
  }

  await screenshot(page, 'compare');
  noErrors(page, 'no page error or console error on compare.html');

  // Reset clears the numbers and the chart.
  await page.click('#reset');
  is(await page.$$eval('.pane .received', (rs) => rs.map((r) => r.textContent).join(',')), TECHS.map(() => '0').join(','), 'reset: every pane back to 0 messages');
  is(await page.$$eval('#chart circle', (cs) => cs.length), 0, 'reset: the chart is empty');
  await page.close();

  // The page's own demonstration of the limit: on one port with holding
  // polls, one copy of the page asks for more long-lived requests than
  // the six connections a browser opens to one host (the long poll, the
  // forever frame, SSE, the fetch and XHR streams, the held iframe and
  // JSONP polls).  A click on publish then waits in Chromium; Firefox
  // lets a request started by a click open a connection past the six
  // (see sse-limit.mjs).
  const onePort = `${BASE}/compare.html?ports=${PORT}&hold=1&interval=${INTERVAL_MS}`;
  const heldNow = async () => {
    const c = (await (await fetch(`${BASE}/stats`)).json()).connections;
    return c.held_poll + c.forever_frame + c.sse + c.fetch_stream + c.xhr_stream;
  };
  const heldUntil = async (done) => {
    const deadline = Date.now() + READY_MS;
    while (!done(await heldNow()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return heldNow();
  };
  is(await heldUntil((n) => n === 0), 0, 'the first page\'s held requests and streams are gone');
  const first = await newPage();
  await first.goto(onePort, { waitUntil: 'domcontentloaded' });
  ok(await heldUntil((n) => n >= 6) >= 6, 'one port, one copy: the server holds six long-lived requests from it');
  await first.click('#publish');
  const answered = await waitIn(first, () => /published as event/.test(document.querySelector('#status').textContent), null, 3000);
  if (engine === 'firefox') ok(answered, 'one port: the click on publish goes through in Firefox (urgent-start)');
  else ok(!answered, 'one port: the click on publish waits for a free connection in Chromium');
  diag(`status: ${await first.textContent('#status')}`);
}, { timeout: 90000 });
