// fetch-streaming.mjs - www/fetch-streaming.html (§2 corrected: streaming
// over fetch) in a real browser: 开始连接 shows the time at once and keeps
// it ticking; messages published with curl show as their exact text
// (hostile ones included, nothing run); the publish box publishes;
// 断开连接 stops the updates and the requests, and the server frees the
// stream; 开始连接 again resumes after the last id, so a message published
// meanwhile arrives once; `await response.text()` on the same endless
// stream stays pending while getReader() delivers, and resolves only when
// the server ends the response (closeAfter); the page's reader keeps a
// character and a line split across chunks whole; the wire view decodes
// NDJSON lines; the fault buttons: a cut resumes without loss, "stop
// reading" gets the stuck reader dropped as a slow_consumer.  Run by
// tests/65-browser-fetch-streaming.t.
import { execFileSync } from 'node:child_process';
import { run, ok, is, like, diag, BASE } from './lib.mjs';

const TIME = /^\d\d:\d\d:\d\d$/;
const stats = async () => (await fetch(`${BASE}/stats`)).json();

async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Publish with curl, an independent client.
function publish(text) {
  const out = execFileSync('curl', ['-s', '--max-time', '5', '--data-binary', '@-', `${BASE}/publish`],
                           { input: Buffer.from(text, 'utf8') });
  return JSON.parse(out.toString()).id;
}

const HOSTILE = [
  '</script><script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned = 2">',
  'quote " apostrophe \' backslash \\ \\" \\u0041',
  'line\u2028separator\u2029paragraph',
  'two\nlines and cr\r and crlf\r\nend',
  'plain 中文 message 😀',
];

async function fault(page, cls, ms = 30000) {
  await page.click(`details.faults button.${cls}`);
  await page.waitForFunction(() => document.querySelector('details.faults .result').dataset.done === '1', null, { timeout: ms });
  return page.evaluate(() => {
    const r = document.querySelector('details.faults .result');
    return { text: r.textContent, probe: r.dataset.probe, drops: JSON.parse(r.dataset.drops || '{}'),
             last: r.dataset.lastDrop ? JSON.parse(r.dataset.lastDrop) : null };
  });
}

const shownMessages = (page) => page.$$eval('#log li[data-id]', (lis) =>
  lis.map((li) => ({ id: Number(li.dataset.id), text: li.querySelector('.text').textContent })));

await run(async ({ newPage, screenshot, noErrors, engine }) => {
  const page = await newPage();
  const res = await page.goto(`${BASE}/fetch-streaming.html`);
  is(res && res.status(), 200, 'the page loads');
  is(await page.locator('#display-div').count(), 1, 'it has #display-div');
  is(await page.locator('button', { hasText: '开始连接' }).count(), 1, 'and the article\'s 开始连接 / 断开连接 buttons');
  is(await page.locator('details.wire[data-tech="fetch_stream"]').count(), 1, 'a wire view for fetch_stream');
  is(await page.locator('details.faults button.fault-cut').count(), 1, 'fault buttons: cut');
  is(await page.locator('details.faults button.fault-stall').count(), 1, 'fault buttons: stop reading');

  // --- connect: the time at once, then ticking ----------------------------
  await page.click('text=开始连接');
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#display-div').textContent),
                             TIME.source, { timeout: 5000 });
  const first = await page.textContent('#display-div');
  ok(true, `#display-div shows the time from the first line (${first})`);
  is(await until(async () => (await stats()).connections.fetch_stream === 1), true, 'the server holds one fetch stream');
  await page.waitForFunction((t) => document.querySelector('#display-div').textContent !== t, first, { timeout: 4000 });
  ok(true, `and it ticks (${first} -> ${await page.textContent('#display-div')})`);
  await page.click('text=开始连接');
  await page.waitForTimeout(300);
  is((await stats()).connections.fetch_stream, 1, 'a second 开始连接 opens no second stream');

  // --- messages from curl, exact, nothing run -------------------------------
  const ids = HOSTILE.map(publish);
  await page.waitForFunction((id) => [...document.querySelectorAll('#log li')].some((li) => Number(li.dataset.id) === id),
                             ids[ids.length - 1], { timeout: 5000 });
  const shown = await shownMessages(page);
  for (let i = 0; i < HOSTILE.length; i++) {
    const li = shown.find((s) => s.id === ids[i]);
    is(li && li.text, HOSTILE[i], `message ${ids[i]} shows as its exact text: ${JSON.stringify(HOSTILE[i]).slice(0, 50)}`);
  }
  is(await page.evaluate(() => window.pwned), undefined, 'no published text ran as script');
  is(await page.locator('#log img, #log script').count(), 0, 'and none became markup');

  // --- the publish box ---------------------------------------------------------
  await page.fill('#message', 'from the publish box');
  await page.click('#publish');
  await page.waitForFunction(() => [...document.querySelectorAll('#log li .text')]
    .some((t) => t.textContent === 'from the publish box'), null, { timeout: 5000 });
  ok(true, 'the publish box publishes, and the stream delivers it');

  // --- disconnect: updates and requests stop, the server lets go ----------------
  await page.click('text=断开连接');
  is(await until(async () => (await stats()).connections.fetch_stream === 0), true,
     '断开连接: the server notices the closed connection (fetch_stream back to 0)');
  const requests = (await stats()).techniques.fetch_stream.requests;
  const stopped = await page.textContent('#display-div');
  const lateId = publish('published while disconnected');
  await page.waitForTimeout(2300);
  is(await page.textContent('#display-div'), stopped, 'the time no longer updates');
  is((await shownMessages(page)).filter((s) => s.id === lateId).length, 0, 'the message published meanwhile has not arrived');
  is((await stats()).techniques.fetch_stream.requests, requests, 'and the page makes no request while disconnected');

  // --- reconnect: resume after the last id ---------------------------------------
  await page.click('text=开始连接');
  await page.waitForFunction((id) => [...document.querySelectorAll('#log li')].some((li) => Number(li.dataset.id) === id),
                             lateId, { timeout: 5000 });
  ok(true, '开始连接 again resumes with ?after=: the message published while disconnected arrives');
  const state = await page.evaluate(() => ({ received: window.fetchStream.received, duplicates: window.fetchStream.duplicates }));
  is(state.received.filter((id) => id === lateId).length, 1, '... once');
  is(state.duplicates, 0, 'no event was received twice');
  const gaps = state.received.slice(1).filter((id, i) => id !== state.received[i] + 1).length;
  is(gaps, 0, `the ids the page received have no gap (${state.received.length} events, across the reconnection)`);
  await screenshot(page, 'fetch-streaming');

  // --- what the article assumed: await response.text() --------------------------
  await page.click('#text-start');
  const startEvents = await page.evaluate(() => window.fetchStream.events);
  await page.waitForTimeout(3500);
  const side = await page.evaluate(() => ({ state: window.textSide.state, events: window.fetchStream.events }));
  is(side.state, 'pending', 'await response.text() on the endless stream is still pending after 3.5 s');
  ok(side.events - startEvents >= 2, `while getReader() delivered ${side.events - startEvents} events meanwhile`);
  like(await page.textContent('#text-state'), /still pending after \d+\.\d s/, 'the page says so');
  await screenshot(page, 'fetch-streaming-text');
  await page.click('#text-stop');
  is(await page.evaluate(() => window.textSide.state), 'aborted', 'closing it: it never resolved');
  await page.check('#text-close-after');
  await page.click('#text-start');
  const resolved = await page.waitForFunction(() => window.textSide.state === 'resolved', null, { timeout: 8000 })
    .then(() => true, () => false);
  ok(resolved, 'with ?closeAfter=3 the server ends the response, and only then text() resolves');
  is(await page.evaluate(() => window.textSide.lines), 3, '... with all three lines at once');
  await page.click('#text-stop');
  await page.uncheck('#text-close-after');

  // --- the page's reader: chunks split anywhere ------------------------------------
  // The server sends one line per chunk, but a proxy may cut anywhere: feed
  // the page's own readStream() a character and a line cut across chunks.
  const split = await page.evaluate(async () => {
    const bytes = new TextEncoder().encode('{"id":900000001,"type":"message","data":"中文 split"}\n' +
                                           '{"id":900000002,"type":"message","data":"second"}\n');
    const cut1 = bytes.indexOf(0xe4) + 1;             // inside 中
    const cut2 = cut1 + 30;                           // inside the second line
    const body = new ReadableStream({
      start(c) { c.enqueue(bytes.slice(0, cut1)); c.enqueue(bytes.slice(cut1, cut2)); c.enqueue(bytes.slice(cut2)); c.close(); },
    });
    await readStream(new Response(body));
    return [...document.querySelectorAll('#log li')].filter((li) => Number(li.dataset.id) >= 900000001)
      .map((li) => li.querySelector('.text').textContent).reverse();
  });
  is(split, ['中文 split', 'second'], 'a character and a line split across chunks arrive whole (TextDecoder stream: true)');

  // --- the wire view ------------------------------------------------------------------
  await page.evaluate(() => { document.querySelector('details.wire').open = true; });
  await page.click('details.wire button:has-text("refresh")');
  await page.waitForFunction(() => document.querySelectorAll('details.wire .row.ndjson').length > 0, null, { timeout: 5000 });
  const labels = await page.$$eval('details.wire .row.ndjson .label', (ls) => ls.map((l) => l.textContent));
  ok(labels.some((l) => /^NDJSON line: event #\d+ \(time\)$/.test(l)), 'wire view: NDJSON lines labelled as events');
  ok(await page.$$eval('details.wire .row.chunk', (rs) => rs.some((r) => /chunk size line: 0x[0-9a-f]+ = \d+ bytes follow/.test(r.textContent))),
     'wire view: the chunk size lines shown apart');
  like(await page.textContent('details.wire'), /curl -N --raw -i 'http:\/\/127\.0\.0\.1:\d+\/stream'/, 'wire view: the curl -N --raw command');

  // --- the fault buttons -------------------------------------------------------------------
  await page.click('text=断开连接');
  await page.click('text=开始连接');
  await page.waitForTimeout(500);
  let r = await fault(page, 'fault-cut');
  is(r.probe, '1', 'cut: the event published while cut off arrived once (resumed with ?after=)');
  ok(r.drops.peer_closed >= 1, 'cut: the server dropped the stream as peer_closed');
  is(r.last && r.last.technique, 'fetch_stream', 'cut: last_drop names fetch_stream');
  like(r.text, /repeated on this page since the cut: 0/, 'cut: nothing repeated');
  r = await fault(page, 'fault-stall', 90000);
  if (engine === 'firefox') {
    // Firefox reads a response on into memory whether the page reads it
    // or not (tests/94-browser-wire-fault.t shows the same for the
    // forever frame): the server sees a fast reader and drops nobody.
    is(JSON.stringify(r.drops), '{}', 'stop reading, Firefox: no drop (it keeps reading the unread response)');
    like(r.text, /no slow_consumer drop: the browser kept reading/, '... and the page says so');
  } else {
    ok(r.drops.slow_consumer >= 1, 'stop reading, Chromium: the stuck reader is dropped as a slow_consumer');
    is(r.last && r.last.technique, 'fetch_stream', '... and last_drop names fetch_stream');
    if (!r.drops.slow_consumer) diag(r.text);
  }
  await screenshot(page, 'fetch-streaming-faults');
  const after = await stats();
  ok(after.connections.fetch_stream >= 1, 'the page\'s own stream survived the stuck one being dropped');

  await page.click('text=断开连接');
  is(await until(async () => (await stats()).connections.fetch_stream === 0), true, 'every stream closed at the end');
  noErrors(page, 'no page or console errors');
}, { timeout: 150000 });
