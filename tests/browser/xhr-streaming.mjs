// xhr-streaming.mjs - www/xhr-streaming.html (§2 corrected: XHR
// streaming) in a real browser: 开始连接 shows the time at once; messages
// published with curl show as their exact text; with a small limit the
// server ends response after response and the page reopens each after its
// last id: every message of a burst arrives once, none lost, across many
// rotations, and the page shows the bytes held and the requests made;
// 断开连接 stops the updates and the requests, and the server frees the
// connection; the publish box publishes; the wire view decodes NDJSON;
// the fault buttons: a cut resumes without loss, "stop reading" (a large
// limit) gets the stuck reader dropped as a slow_consumer.  Run by
// tests/66-browser-xhr-streaming.t.
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

function publish(text) {
  const out = execFileSync('curl', ['-s', '--max-time', '5', '--data-binary', '@-', `${BASE}/publish`],
                           { input: Buffer.from(text, 'utf8') });
  return JSON.parse(out.toString()).id;
}

// Many messages over one keep-alive connection (curl -K), in one go.
function publishMany(texts) {
  const cfg = texts.map((t, i) => `${i ? 'next\n' : ''}url = "${BASE}/publish"\ndata = "${t}"\n`).join('');
  const out = execFileSync('curl', ['-s', '--max-time', '30', '-K', '-'], { input: cfg }).toString();
  return out.match(/"id":\d+/g).map((m) => Number(m.slice(5)));
}

async function fault(page, cls, ms = 30000) {
  await page.click(`details.faults button.${cls}`);
  await page.waitForFunction(() => document.querySelector('details.faults .result').dataset.done === '1', null, { timeout: ms });
  return page.evaluate(() => {
    const r = document.querySelector('details.faults .result');
    return { text: r.textContent, probe: r.dataset.probe, drops: JSON.parse(r.dataset.drops || '{}'),
             last: r.dataset.lastDrop ? JSON.parse(r.dataset.lastDrop) : null };
  });
}

const HOSTILE = [
  '</script><script>window.pwned = 1</script>',
  'line\u2028separator\u2029paragraph',
  'two\nlines, a cr\r and "quotes"',
  '中文 😀',
];

await run(async ({ newPage, screenshot, noErrors, engine }) => {
  const page = await newPage();
  const res = await page.goto(`${BASE}/xhr-streaming.html`);
  is(res && res.status(), 200, 'the page loads');
  is(await page.locator('#display-div').count(), 1, 'it has #display-div');
  is(await page.locator('details.wire[data-tech="xhr_stream"]').count(), 1, 'a wire view for xhr_stream');
  is(await page.locator('details.faults button.fault-cut, details.faults button.fault-stall').count(), 2, 'fault buttons: cut and stop reading');

  // --- connect -------------------------------------------------------------
  await page.fill('#limit', '1000');
  await page.click('text=开始连接');
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#display-div').textContent),
                             TIME.source, { timeout: 5000 });
  ok(true, `#display-div shows the time at once (${await page.textContent('#display-div')})`);
  is(await until(async () => (await stats()).connections.xhr_stream === 1), true, 'the server holds one XHR stream');

  const ids = HOSTILE.map(publish);
  await page.waitForFunction((id) => [...document.querySelectorAll('#log li')].some((li) => Number(li.dataset.id) === id),
                             ids[ids.length - 1], { timeout: 5000 });
  const shown = await page.$$eval('#log li[data-id]', (lis) => lis.map((li) => ({ id: Number(li.dataset.id), text: li.querySelector('.text').textContent })));
  for (let i = 0; i < HOSTILE.length; i++) {
    const li = shown.find((s) => s.id === ids[i]);
    is(li && li.text, HOSTILE[i], `message ${ids[i]} shows as its exact text: ${JSON.stringify(HOSTILE[i]).slice(0, 40)}`);
  }
  is(await page.evaluate(() => window.pwned), undefined, 'no published text ran as script');

  // --- rotation: a burst of 60 messages through responses of ~1000 bytes ---
  const before = await page.evaluate(() => ({ requests: window.xhrStream.requests, rotations: window.xhrStream.rotations }));
  const burst = publishMany(Array.from({ length: 60 }, (_, i) => `burst message ${i} ${'x'.repeat(80)}`));
  is(burst.length, 60, '60 messages published with curl');
  const all = await page.waitForFunction((last) => window.xhrStream.received.includes(last), burst[59], { timeout: 15000 })
    .then(() => true, () => false);
  ok(all, 'the last message of the burst arrived');
  const st = await page.evaluate(() => ({ received: window.xhrStream.received, duplicates: window.xhrStream.duplicates,
                                          gaps: window.xhrStream.gaps, requests: window.xhrStream.requests,
                                          rotations: window.xhrStream.rotations }));
  const missing = burst.filter((id) => !st.received.includes(id));
  is(missing, [], 'every message of the burst arrived (none lost across the rotations)');
  is(burst.map((id) => st.received.filter((r) => r === id).length).filter((n) => n !== 1), [], 'each exactly once');
  is(st.duplicates, 0, 'the page saw no event twice');
  is(st.gaps, 0, 'and no gap in the ids');
  ok(st.rotations - before.rotations >= 5, `the server ended ${st.rotations - before.rotations} responses at the limit (about 1000 bytes each)`);
  is(st.requests - before.requests, st.rotations - before.rotations, 'one new request per rotation, no more');
  const rotationText = await page.textContent('#rotations');
  like(rotationText, /response \d+: ended at \d+ bytes \(limit 1000\), \d+ events, ids \d+–\d+; next: after=\d+/, 'the page lists each response: bytes held, events, the next cursor');
  like(await page.textContent('#held'), /^\d+ bytes of this response \(limit 1000\)$/, 'and shows the bytes responseText holds now');
  is(await page.textContent('#requests'), String(st.requests), 'and the requests made');
  await screenshot(page, 'xhr-streaming');

  // --- the publish box ---------------------------------------------------------
  await page.fill('#message', 'from the publish box');
  await page.click('#publish');
  await page.waitForFunction(() => [...document.querySelectorAll('#log li .text')]
    .some((t) => t.textContent === 'from the publish box'), null, { timeout: 5000 });
  ok(true, 'the publish box publishes, and the stream delivers it');

  // --- disconnect: updates and requests stop -------------------------------------
  await page.click('text=断开连接');
  is(await until(async () => (await stats()).connections.xhr_stream === 0), true, '断开连接: the server frees the connection (xhr_stream back to 0)');
  const requests = (await stats()).techniques.xhr_stream.requests;
  const stopped = await page.textContent('#display-div');
  const late = publish('published while disconnected');
  await page.waitForTimeout(2300);
  is(await page.textContent('#display-div'), stopped, 'the time no longer updates');
  is((await stats()).techniques.xhr_stream.requests, requests, 'and no request is made while disconnected');
  await page.click('text=开始连接');
  const back = await page.waitForFunction((id) => window.xhrStream.received.includes(id), late, { timeout: 5000 }).then(() => true, () => false);
  ok(back, '开始连接 resumes with ?after=: the message published meanwhile arrives');
  is(await page.evaluate(() => window.xhrStream.duplicates), 0, '... and nothing twice');

  // --- the wire view --------------------------------------------------------------
  await page.evaluate(() => { document.querySelector('details.wire').open = true; });
  await page.click('details.wire button:has-text("refresh")');
  await page.waitForFunction(() => document.querySelectorAll('details.wire .row.ndjson').length > 0, null, { timeout: 5000 });
  ok(await page.$$eval('details.wire .row.chunk', (rs) => rs.some((r) => /last chunk: size 0, the body ends/.test(r.textContent))),
     'wire view: a rotated response ends with the last chunk');
  ok(await page.$$eval('details.wire .row.ndjson .label', (ls) => ls.some((l) => /^NDJSON line: event #\d+/.test(l.textContent))),
     'wire view: NDJSON lines labelled as events');

  // --- the fault buttons --------------------------------------------------------------
  await page.fill('#limit', '100000');     // so that the cut lands inside a response, not at a rotation
  await page.click('text=断开连接');
  await page.click('text=开始连接');
  await page.waitForTimeout(500);
  let r = await fault(page, 'fault-cut');
  is(r.probe, '1', 'cut: the event published while cut off arrived once (resumed with ?after=)');
  ok(r.drops.peer_closed >= 1, 'cut: the server dropped the stream as peer_closed');
  is(r.last && r.last.technique, 'xhr_stream', 'cut: last_drop names xhr_stream');
  r = await fault(page, 'fault-stall', 90000);
  if (engine === 'firefox') {
    // Firefox reads a response on into memory whether the page reads it
    // or not (tests/94-browser-wire-fault.t shows the same for the
    // forever frame): the server sees a fast reader and drops nobody.
    is(JSON.stringify(r.drops), '{}', 'stop reading (limit=16777216), Firefox: no drop (it keeps reading the unread response)');
    like(r.text, /no slow_consumer drop: the browser kept reading/, '... and the page says so');
  } else {
    ok(r.drops.slow_consumer >= 1, 'stop reading (limit=16777216), Chromium: the stuck reader is dropped as a slow_consumer');
    is(r.last && r.last.technique, 'xhr_stream', '... and last_drop names xhr_stream');
    if (!r.drops.slow_consumer) diag(r.text);
  }
  await screenshot(page, 'xhr-streaming-faults');

  await page.click('text=断开连接');
  is(await until(async () => (await stats()).connections.xhr_stream === 0), true, 'every stream closed at the end');
  noErrors(page, 'no page or console errors');
}, { timeout: 150000 });
