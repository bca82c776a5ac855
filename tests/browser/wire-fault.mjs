// wire-fault.mjs - the wire view (www/wire.js) and the fault buttons
// (www/fault.js), in each engine.  Wire view: websocket.html shows the frame
// header of the reply to a message sent in the page, decoded bit by bit;
// sse.html shows SSE field lines; the forever frame shows chunk size
// lines and the \u003c escape.  Fault buttons: each cut drops the
// connection (the reason shown from /stats), and the page recovers:
// without loss where the technique resumes (polls, SSE), with the loss
// shown where it does not (forever frame, /hub); "stop reading" on the
// forever frame gets the stuck reader dropped as a slow_consumer in
// Chromium, which stops reading an unread text/html response after a few
// megabytes, while Firefox reads every byte of it into memory, so the
// server never sees a slow reader there.  Run by
// tests/94-browser-wire-fault.t.
import { run, ok, is, like, diag, BASE } from './lib.mjs';

const BURST_MAX = 300;   // fault.js: messages at most per "stop reading" run

async function openWire(page) {
  await page.evaluate(() => { document.querySelector('details.wire').open = true; });
  await page.click('details.wire button:has-text("refresh")');
}
const wireText = (page) => page.textContent('details.wire .segs');
const publish = (text) => fetch(`${BASE}/publish`, { method: 'POST', body: text });

// Press a fault button and wait for its result.
async function fault(page, cls, ms = 30000) {
  await page.click(`details.faults button.${cls}`);
  await page.waitForFunction(() => document.querySelector('details.faults .result').dataset.done === '1', null, { timeout: ms });
  return page.evaluate(() => {
    const r = document.querySelector('details.faults .result');
    return { text: r.textContent, probe: r.dataset.probe, drops: JSON.parse(r.dataset.drops || '{}'),
             last: r.dataset.lastDrop ? JSON.parse(r.dataset.lastDrop) : null };
  });
}

await run(async ({ newPage, screenshot, noErrors, engine }) => {
  // --- wire view: a WebSocket frame header -----------------------------------
  let page = await newPage();
  await page.goto(`${BASE}/websocket.html`);
  await page.click('text=建立连接');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('连接成功'));
  await page.fill('#message', 'wire test 123');
  await page.click('#send-text');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('您的信息是wire test 123'));
  await openWire(page);
  await page.waitForFunction(() => document.querySelector('details.wire .segs').textContent.includes('wire test 123'));
  const ws = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('details.wire .row.ws-header')].map((r) => r.textContent);
    const payloads = [...document.querySelectorAll('details.wire .row.ws-payload')].map((r) => r.textContent);
    const i = payloads.findIndex((p) => p.includes('wire test 123'));
    return { header: i >= 0 ? rows[i] : '', payload: payloads[i] || '' };
  });
  like(ws.header, /FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 \(text\)/, 'the reply frame header: FIN=1, RSV 0, opcode 0x1 text');
  like(ws.header, /byte 0 = 10000001/, 'byte 0 shown bit by bit');
  like(ws.header, /MASK=0 payload length=55 \(7-bit length\)/, 'MASK=0, the 7-bit length form, 55 bytes (prefix 42 + 13)');
  like(ws.header, /frame header, 2 bytes: 81 37/, 'the two header bytes in hex');
  like(await wireText(page), /HTTP\/1\.1 101 Switching Protocols\\r\\n/, 'the handshake status line is there, CRLF visible');
  like(await page.textContent('details.wire'), /nc 127\.0\.0\.1 \d+ \| od/, 'the nc command uses the page’s real host and port');
  await screenshot(page, 'wire-websocket');
  noErrors(page, 'websocket.html: no errors');
  await page.close();

  // --- wire view: SSE field lines ----------------------------------------------
  page = await newPage();
  await page.goto(`${BASE}/sse.html`);
  await page.click('#build');
  await page.waitForFunction(() => window.sseEvents.length > 0);
  await publish('line one\nline two');
  await page.waitForFunction(() => window.sseEvents.some((e) => e.data === 'line one\nline two'));
  await openWire(page);
  await page.waitForFunction(() => document.querySelector('details.wire .segs').textContent.includes('line two'));
  const fields = await page.$$eval('details.wire .row.sse-field', (rs) => rs.map((r) => r.textContent));
  ok(fields.some((f) => /field "data"data: line one\\n/.test(f)) && fields.some((f) => /data: line two\\n/.test(f)),
    'SSE: one data field line per line of the message');
  ok(fields.some((f) => /field "id"id: \d+\\n/.test(f)), 'SSE: the id field line');
  ok(await page.$$eval('details.wire .row.sse-end', (rs) => rs.length > 0), 'SSE: the blank line that dispatches an event');
  ok(await page.$$eval('details.wire .row.chunk', (rs) => rs.some((r) => /chunk size line: 0x[0-9a-f]+ = \d+ bytes follow/.test(r.textContent))),
    'SSE: the chunk size lines of the chunked body');
  like(await page.textContent('details.wire'), /curl -N --raw -i 'http:\/\/127\.0\.0\.1:\d+\/sseStream'/, 'the curl -N --raw command');

  // fault: cut mid-stream, resume with lastEventId
  let r = await fault(page, 'fault-cut');
  is(r.probe, '1', 'SSE cut: the event published while cut off arrived once (resumed)');
  ok(r.drops.peer_closed >= 1, 'SSE cut: the server dropped the stream, reason peer_closed');
  is(r.last && r.last.technique, 'sse', 'SSE cut: last_drop names the technique sse');
  like(r.text, /repeated on this page since the cut: 0/, 'SSE cut: nothing repeated');
  await screenshot(page, 'fault-sse');
  noErrors(page, 'sse.html: no errors');
  await page.close();

  // --- forever frame: chunk sizes and escapes; cut (lost); stop reading ----
  page = await newPage();
  await page.goto(`${BASE}/iframe-long-connection.html`);
  await page.click('text=开始连接');
  // The forever frame does not resume: publish only once the frame is
  // live (its first event, the time, is on the page), or the message may
  // go out before the stream exists (seen under valgrind).
  await page.waitForFunction(() => document.querySelector('#display-div').textContent.trim() !== '');
  await publish('</script> and \u2028');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('</script>'));
  await openWire(page);
  await page.waitForFunction(() => document.querySelector('details.wire .segs').textContent.includes('\\u003c/script'));
  ok(await page.$$eval('details.wire .row.chunk', (rs) => rs.some((r) => /chunk size line: 0x[0-9a-f]+ = \d+ bytes follow/.test(r.textContent))),
    'forever frame: chunk size lines shown apart');
  const escs = await page.$$eval('details.wire .esc', (es) => es.map((e) => e.textContent));
  ok(escs.includes('\\u003c') && escs.includes('\\u2028'), 'forever frame: the \\u003c and \\u2028 escapes are marked');
  like(await wireText(page), /forever frame<\/title>/, 'forever frame: the prelude document is there');
  r = await fault(page, 'fault-cut');
  is(r.probe, '0', 'forever frame cut: the event published meanwhile is lost (no resume), and the page says so');
  ok(r.drops.peer_closed >= 1, 'forever frame cut: dropped as peer_closed');
  is(r.last && r.last.technique, 'forever_frame', 'forever frame cut: last_drop names forever_frame');
  r = await fault(page, 'fault-stall', 60000);
  if (engine === 'firefox') {
    is(JSON.stringify(r.drops), '{}', `forever frame stop reading, Firefox: no drop (it keeps reading the unread response)`);
    like(r.text, new RegExp(`published ${BURST_MAX} messages of 16000 bytes`), `... after all ${BURST_MAX} messages, some 19 MB on the wire`);
    like(r.text, /no slow_consumer drop: the browser kept reading/, '... and the page says so');
  } else {
    ok(r.drops.slow_consumer >= 1, 'forever frame stop reading, Chromium: the stuck reader is dropped as a slow_consumer');
    is(r.last && r.last.reason, 'slow_consumer', 'the page shows the reason from last_drop');
    is(r.last && r.last.technique, 'forever_frame', '... and the technique');
  }
  await screenshot(page, 'fault-forever-frame');
  noErrors(page, 'iframe-long-connection.html: no errors');
  await page.close();

  // --- the polls: cut and resume from the cursor -----------------------------
  for (const [file, tech, wantDrop] of [
    ['long-polling.html', 'long_poll', true],
    ['iframe-polling.html', 'iframe_poll', true],
    ['short-polling.html?interval=500', 'short_poll', false],
    ['jsonp-polling.html', 'jsonp_poll', false],
  ]) {
    page = await newPage();
    await page.goto(`${BASE}/${file}`);
    await page.waitForFunction(() => /last id|held|ok/.test(document.querySelector('#status').textContent));
    await page.waitForTimeout(300);
    r = await fault(page, 'fault-cut');
    is(r.probe, '1', `${tech} cut: the event published meanwhile arrived once (resumed from the cursor)`);
    if (wantDrop) {
      ok(r.drops.peer_closed >= 1, `${tech} cut: the held poll was dropped as peer_closed`);
      is(r.last && r.last.technique, tech, `${tech} cut: last_drop names ${tech}`);
    }
    noErrors(page, `${file}: no errors`);
    if (tech === 'long_poll') await screenshot(page, 'fault-long-polling');
    await page.close();
  }

  // --- /hub chat: a clean close, no resume --------------------------------
  page = await newPage();
  await page.goto(`${BASE}/chat.html`);
  await page.waitForFunction(() => document.querySelector('#state').textContent.includes('已连接'));
  r = await fault(page, 'fault-cut');
  is(r.probe, '0', 'chat cut: /hub does not resume; the event published while away is lost and shown as lost');
  is(JSON.stringify(r.drops), '{}', 'chat cut: a clean close is no drop');
  noErrors(page, 'chat.html: no errors');
  await page.close();
}, { timeout: 150000 });
