// tests/browser/sse-limit.mjs - www/sse-limit.html (ARTICLE §5.1 性能限制)
// in each engine: of eight EventSources to one host and port, six open and
// the seventh and eighth stay CONNECTING with no events, and never reach
// the server (its /stats counts six); a fetch to the same port started by
// a timer waits in the same queue while one to another port answers; a
// stream on another port opens at once; closing one stream lets the
// seventh in.  Where the engines differ: a fetch started by the click
// itself waits in Chromium, but answers at once in Firefox, which lets a
// request made while it handles user input ("urgent-start") open up to
// three connections beyond the six.  Run by tests/53-sse-limit.t.

import { run, ok, is, like, diag, BASE, BASES } from './lib.mjs';

const PER_HOST = 6;                // HTTP/1.1 connections per host and port, in both
const SAME_ORIGIN_STREAMS = 8;     // what the page opens
const SETTLE_MS = 2000;            // time for a stalled stream to prove it is stalled
// Firefox's network.http.max-urgent-start-excessive-connections-per-host:
// connections beyond PER_HOST for requests started by user input.
const URGENT_EXTRA = { chromium: 0, firefox: 3 };
const HELD_CLICKS = 5;             // more than URGENT_EXTRA.firefox

async function stats(base = BASE) {
  return (await fetch(base + '/stats')).json();
}

const states = (page) => page.evaluate(() =>
  window.sseStreams.map((s) => ({ url: s.url, state: s.es.readyState, events: s.events })));

await run(async ({ newPage, screenshot, noErrors, engine }) => {
  if (BASES.length < 2) {
    ok(false, 'the limit test needs two ports (start_server gives three)');
    return;
  }
  const otherPort = new URL(BASES[1]).port;
  const page = await newPage();
  await page.goto(`${BASE}/sse-limit.html?other=${otherPort}`);
  is(await page.inputValue('#other-port'), otherPort, '?other=N sets the other port');

  await page.click('#open-same');
  await page.waitForFunction((n) => window.sseStreams.filter((s) => s.es.readyState === 1).length >= n,
    PER_HOST, { timeout: 10000 });
  await page.waitForTimeout(SETTLE_MS);
  let list = await states(page);
  is(list.length, SAME_ORIGIN_STREAMS, `the page made ${SAME_ORIGIN_STREAMS} EventSources to one port`);
  is(list.filter((s) => s.state === 1).length, PER_HOST, 'six of them are OPEN');
  is(list.slice(PER_HOST).map((s) => s.state).join(','), '0,0',
    'the seventh and eighth stay CONNECTING');
  is(list.slice(PER_HOST).map((s) => s.events).join(','), '0,0', '... with no events');
  ok(list.slice(0, PER_HOST).every((s) => s.events >= 2), 'the six open ones receive events');
  is((await stats()).connections.sse, PER_HOST,
    'the server holds six streams: the browser never sent the seventh request');
  like(await page.textContent('#summary'), /^6 open, 2 waiting \(CONNECTING\), 0 closed\.$/,
    'the page says so');

  // The queue is per host and port: everything else to this port waits too,
  // but for a request the click itself starts in Firefox.
  await page.click('#probe-same-timer');
  await page.waitForTimeout(1000);
  like(await page.textContent('#probe-timer'), /^waiting for /, 'a fetch to the same port started by a timer waits in the same queue');
  await page.click('#probe-same');
  if (engine === 'firefox') {
    await page.waitForFunction(() => /answered after/.test(document.querySelector('#probe').textContent),
      null, { timeout: 5000 });
    like(await page.textContent('#probe'), /^http:\/\/127\.0\.0\.1:\d+\/stats answered after \d+ ms: the server holds 6 SSE/,
      'Firefox: the same fetch started by the click answers at once (urgent-start passes the six)');
  } else {
    await page.waitForTimeout(1000);
    like(await page.textContent('#probe'), /^waiting for /, 'Chromium: the same fetch started by the click waits as well');
  }
  like(await page.textContent('#probe-timer'), /^waiting for /, "... while the timer's fetch still waits");
  await page.click('#probe-other');
  await page.waitForFunction(() => /answered after/.test(document.querySelector('#probe').textContent),
    null, { timeout: 5000 });
  like(await page.textContent('#probe'), new RegExp(`:${otherPort}/stats answered after \\d+ ms: the server holds 6 SSE`),
    'a fetch to another port answers at once (another group)');

  await page.click('#open-other');
  await page.waitForFunction((n) => window.sseStreams[n].events >= 1, SAME_ORIGIN_STREAMS, { timeout: 5000 });
  ok(true, 'a ninth stream, on another port, opens and receives at once');
  await screenshot(page, 'sse-limit');

  await page.click('#close-one');
  await page.waitForFunction((n) => window.sseStreams[n].events >= 1, PER_HOST, { timeout: 5000 });
  list = await states(page);
  is(list[PER_HOST].state, 1, 'closing one lets the seventh in: it is OPEN now');
  is(list[PER_HOST + 1].state, 0, '... and the eighth still waits');

  // "Up to three more": click-started requests the server holds (a long
  // poll for a message that never comes, held 6 s: long enough that none
  // ends, freeing its connection, before the count), five clicks in a row.
  const held = async () => (await stats()).connections.held_poll;
  const heldBefore = await held();
  const last = (await (await fetch(`${BASE}/poll`)).json()).last;
  await page.evaluate((url) => {
    const b = document.createElement('button');
    b.id = 'hold-test';
    b.textContent = 'test: a held fetch';
    b.addEventListener('click', () => { fetch(url + '&n=' + Math.random(), { cache: 'no-store' }); });
    document.body.prepend(b);
  }, `/poll?after=${last}&type=message&wait=6`);
  for (let i = 0; i < HELD_CLICKS; i++) await page.click('#hold-test');
  await page.waitForTimeout(800);
  is(await held() - heldBefore, URGENT_EXTRA[engine],
    `${engine}: of ${HELD_CLICKS} click-started requests while the six are busy, ${URGENT_EXTRA[engine]} reach the server`);
  await page.evaluate(() => document.getElementById('hold-test').remove());

  await page.click('#close-all');
  await page.waitForTimeout(500);
  const left = (await stats(BASES[1])).connections.sse;
  diag(`after close-all the server holds ${left} SSE connections`);
  noErrors(page, 'no page errors');
}, { timeout: 60000 });
