// streaming-reply.mjs - www/streaming-reply.html (a streamed reply over
// POST) in a real browser: a typed message comes back as the article's
// echo, written into #display-div piece by piece (many intermediate
// states, paced, then the done event); hostile text comes back exactly
// and runs nothing; 停止 cancels a reply mid-way and the server frees its
// connection at once (/stats: stream_reply back to 0, dropped
// peer_closed, no more bytes); the page's event-stream parser follows the
// WHATWG steps (CRLF split across chunks, comments, an event without
// data never dispatched); the wire view shows the event-stream fields;
// the fault buttons: a cut is counted, "stop reading" shows that a reply
// never reaches the output cap.  Run by tests/67-browser-streaming-reply.t.
import { run, ok, is, like, diag, BASE } from './lib.mjs';

const PREFIX = '服务端已收到信息，您的信息是';
const TICK_MS = 30;     // STREAM_REPLY_TICK_MS
const stats = async () => (await fetch(`${BASE}/stats`)).json();

async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Watch #display-div: every distinct text it shows, and when.
async function watchDisplay(page) {
  await page.evaluate(() => {
    window.displayStates = [];
    const d = document.querySelector('#display-div');
    if (window.displayObserver) window.displayObserver.disconnect();
    window.displayObserver = new MutationObserver(() => window.displayStates.push({ text: d.textContent, t: performance.now() }));
    window.displayObserver.observe(d, { childList: true, characterData: true, subtree: true });
  });
}

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  const res = await page.goto(`${BASE}/streaming-reply.html`);
  is(res && res.status(), 200, 'the page loads');
  for (const sel of ['#display-div', '#message', '#send', '#stop', 'details.wire[data-tech="stream_reply"]',
                     'details.faults button.fault-cut', 'details.faults button.fault-stall']) {
    is(await page.locator(sel).count(), 1, `it has ${sel}`);
  }
  like(await page.textContent('body'), /EventSource/, 'it says why EventSource cannot do this');
  like(await page.textContent('#parser-source'), /class EventStreamParser/, 'and shows its own event-stream parser');

  // --- a reply, piece by piece ---------------------------------------------
  await watchDisplay(page);
  await page.fill('#message', 'hello');
  const t0 = Date.now();
  await page.click('#send');
  await page.waitForFunction(() => window.streamReply.state === 'done', null, { timeout: 10000 });
  const took = Date.now() - t0;
  is(await page.textContent('#display-div'), `${PREFIX}hello`, `#display-div shows the whole reply: ${PREFIX}hello`);
  const reply = await page.evaluate(() => ({ pieces: window.streamReply.pieces, done: window.streamReply.done }));
  is(reply.pieces, 19, 'it came in 19 pieces, one per character');
  is(reply.done, { chars: 19, bytes: 47 }, 'then the done event: 19 characters, 47 bytes');
  const states = await page.evaluate(() => window.displayStates.map((s) => s.text));
  const prefixes = new Set(states.filter((s) => s.length > 0 && `${PREFIX}hello`.startsWith(s)));
  ok(prefixes.size >= 10, `#display-div grew through ${prefixes.size} partial replies, not all at once`);
  ok(took >= 18 * TICK_MS, `the reply was paced: ${took} ms for 19 pieces (at least ${18 * TICK_MS})`);
  like(await page.textContent('#status'), /^done: 19 characters \(47 bytes\) in \d+\.\d s$/, 'the status line says it is done');
  await screenshot(page, 'streaming-reply');

  // --- hostile text, exact, nothing run ----------------------------------------
  const hostile = 'a\r\nb\rc\nd \u2028 \u2029 "q" \\ </script><img src=x onerror="window.pwned=1"> 😀\n\nevent: done\ndata: x';
  await page.evaluate((text) => send(text), hostile);
  await page.waitForFunction(() => window.streamReply.state === 'done', null, { timeout: 15000 });
  is(await page.evaluate(() => window.streamReply.text), PREFIX + hostile, 'a hostile message comes back exactly (CR, CRLF, U+2028/9, quotes, markup, a forged event)');
  is(await page.textContent('#display-div'), PREFIX + hostile, 'and is shown as text');
  is(await page.evaluate(() => window.pwned), undefined, 'nothing ran');
  is(await page.locator('#display-div img, #display-div script').count(), 0, 'nothing became markup');
  is(await page.evaluate(() => window.streamReply.done.chars), [...(PREFIX + hostile)].length, 'done counts every character');

  // --- Stop cancels, and the server frees the connection -------------------------
  const before = await stats();
  await page.fill('#message', 'z'.repeat(300));
  await page.click('#send');
  await page.waitForFunction(() => window.streamReply.pieces >= 5, null, { timeout: 5000 });
  is(await until(async () => (await stats()).connections.stream_reply === 1), true, 'the server holds the reply while it streams');
  await page.click('#stop');
  const piecesAtStop = await page.evaluate(() => window.streamReply.pieces);
  is(await page.evaluate(() => window.streamReply.state), 'stopped', '停止: the page stops the reply');
  is(await until(async () => (await stats()).connections.stream_reply === 0, 2000), true,
     'the server frees the connection at once (stream_reply back to 0 within 2 s)');
  const after = await stats();
  is((after.dropped.peer_closed || 0) - (before.dropped.peer_closed || 0), 1, 'counted as dropped.peer_closed');
  is(after.last_drop && after.last_drop.technique, 'stream_reply', 'last_drop names stream_reply');
  await page.waitForTimeout(800);
  is(await page.evaluate(() => window.streamReply.pieces), piecesAtStop, 'no piece arrives after 停止');
  is((await stats()).techniques.stream_reply.bytes, after.techniques.stream_reply.bytes, 'and the server writes nothing more for it');
  ok(piecesAtStop < 300, `it had stopped mid-way (${piecesAtStop} of 314 pieces)`);
  like(await page.textContent('#status'), /stopped after \d+ pieces; the server: stream_reply connections now 0/, 'the page shows what the server did');

  // --- the page's parser, by the WHATWG steps ---------------------------------------
  const parsed = await page.evaluate(() => {
    const out = [];
    const p = new EventStreamParser((e) => out.push(e));
    for (const part of [': a comment\r', '\nevent: a\r', '\ndata: one\r\ndata:two\r', '\r', 'event: nodata\n\n',
                        'data:  lead\nid: 7\n\nda', 'ta: split\n', '\n']) p.feed(part);
    return out;
  });
  is(parsed, [{ type: 'a', data: 'one\ntwo', lastEventId: '' }, { type: 'message', data: ' lead', lastEventId: '7' },
              { type: 'message', data: 'split', lastEventId: '7' }],
     'the parser: CR, LF, CRLF (split across chunks) end lines; a comment is skipped; an event without data is never dispatched; one space after the colon is dropped');

  // --- the wire view ---------------------------------------------------------------
  await page.evaluate(() => { document.querySelector('details.wire').open = true; });
  await page.click('details.wire button:has-text("refresh")');
  await page.waitForFunction(() => document.querySelectorAll('details.wire .row.sse-field').length > 0, null, { timeout: 5000 });
  const fields = await page.$$eval('details.wire .row.sse-field', (rs) => rs.map((r) => r.textContent));
  ok(fields.some((f) => /field "data"data: \{"text":".*"\}\\n/.test(f)), 'wire view: the pieces\' data lines');
  ok(fields.some((f) => /field "event"event: done\\n/.test(f)), 'wire view: the done event');
  like(await page.textContent('details.wire'), /curl -N --raw -i --data-binary 'hello' 'http:\/\/127\.0\.0\.1:\d+\/stream\/reply'/, 'wire view: the curl command');

  // --- the fault buttons ---------------------------------------------------------------
  await page.click('details.faults button.fault-cut');
  await page.waitForFunction(() => document.querySelector('details.faults .result').dataset.done === '1', null, { timeout: 15000 });
  let r = await page.evaluate(() => {
    const el = document.querySelector('details.faults .result');
    return { text: el.textContent, drops: JSON.parse(el.dataset.drops || '{}'), last: el.dataset.lastDrop ? JSON.parse(el.dataset.lastDrop) : null };
  });
  ok(r.drops.peer_closed >= 1, 'cut: a reply aborted mid-way is dropped as peer_closed');
  is(r.last && r.last.technique, 'stream_reply', 'cut: last_drop names stream_reply');
  await page.click('details.faults button.fault-stall');
  await page.waitForFunction(() => document.querySelector('details.faults .result').dataset.done === '1', null, { timeout: 30000 });
  r = await page.evaluate(() => {
    const el = document.querySelector('details.faults .result');
    return { text: el.textContent, drops: JSON.parse(el.dataset.drops || '{}') };
  });
  like(r.text, /the server finished the reply \(\d+ bytes written\) and dropped nobody: it never passed the output cap/,
       'stop reading: a reply nobody reads is finished, never dropped (it is bounded below CONN_OUTPUT_MAX)');
  is(r.drops, {}, '... no drop');
  await screenshot(page, 'streaming-reply-faults');
  is(await until(async () => (await stats()).connections.stream_reply === 0), true, 'no reply left open at the end');
  noErrors(page, 'no page or console errors');
}, { timeout: 120000 });
