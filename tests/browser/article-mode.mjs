// tests/browser/article-mode.mjs - www/article-mode.html, in each engine.
// ARTICLE_MODE=on (the server runs with --article-mode): each of the
// article's bugs happens on the left and not on the right.  ARTICLE_MODE=off
// (a default server): every /article/ route is 404, and our side behaves
// exactly the same.  Two engine facts: Firefox keeps no id from an event
// block without data (the article's "id: messageId" never reaches the
// page), and only Chromium's reason for a dropped postMessage reaches the
// driver.  Run by tests/71-article-browser.t.
import { run, ok, is, like, diag, BASE, statusOf, pageErrors, consoleMessages } from './lib.mjs';

const on = process.env.ARTICLE_MODE === 'on';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const num = (text, label) => {
  const m = new RegExp(label + ': (\\d+)').exec(text || '');
  return m ? Number(m[1]) : NaN;
};

await run(async ({ newPage, screenshot, engine }) => {
  for (const path of ['/article/state', '/article/sseStream', '/article/iframeLongConnection',
    '/article/poll/jsonp?callback=f', '/article/unframed']) {
    is(await statusOf(BASE + path), on ? 200 : 404, `${path}: ${on ? 200 : 404} in ${on ? 'article' : 'default'} mode`);
  }

  const page = await newPage();
  await page.goto(BASE + '/article-mode.html');
  await page.waitForSelector(`body[data-article-mode="${on ? 'on' : 'off'}"]`);
  like(await page.textContent('.unsafe'), /UNSAFE/, 'the page says it is unsafe');
  like(await page.textContent('#mode'), on ? /article mode is ON/ : /article mode is off/, 'the page says which mode');

  // (a) SSE testEvent
  await page.click('#run-sse');
  await page.waitForSelector('body[data-sse-done]', { timeout: 8000 });
  const sseA = await page.textContent('#sse-article');
  const sseO = await page.textContent('#sse-ours');
  is(num(sseO, 'testEvent fired'), 1, 'ours: the testEvent listener fired once');
  ok(num(sseO, 'message fired') >= 2, 'ours: messages followed');
  if (on) {
    is(num(sseA, 'testEvent fired'), 0, "the article's: the testEvent listener never fired");
    ok(num(sseA, 'message fired') >= 2, "the article's: its dates came as plain messages instead");
    // The article's "id: messageId" line ends a block with no data.  The
    // spec sets the last event ID before it drops an empty event, and
    // Chromium does; Firefox drops the block's id with it (and so would
    // send no Last-Event-ID on a reconnection).
    if (engine === 'firefox') {
      like(sseA, /lastEventId: ""/, "the article's, Firefox: no id is kept (an id in a block without data is dropped with it)");
    } else {
      like(sseA, /lastEventId: "messageId"/, "the article's, Chromium: the id the browser keeps is \"messageId\"");
    }
    like(sseA, /last data: \w{3} \w{3} \d\d \d{4} \d\d:\d\d:\d\d GMT[+-]\d{4}/, "the article's: the data is String(new Date())");
  } else {
    is(num(sseA, 'open'), 0, 'default mode: the article stream never opened (404)');
    is(num(sseA, 'testEvent fired') + num(sseA, 'message fired'), 0, 'default mode: nothing arrived on it');
  }

  // (b), (c) the forever frame.  Chromium gives the reason it drops a
  // message as a console warning the driver sees (DevTools' Log domain);
  // Firefox's reason goes to its own Web Console, and WebDriver BiDi passes
  // no entry on, so there the lost messages are what can be asserted.
  await page.click('#frame-start');
  await sleep(2700);
  const frA = await page.textContent('#frame-article');
  const frO = await page.textContent('#frame-ours');
  ok(num(frO, 'messages received') >= 1, `ours: the frame's messages arrive (${num(frO, 'messages received')})`);
  is(num(frA, 'messages received'), 0, "the article's frame: nothing arrives on a 127.0.0.1 page");
  const originErrors = consoleMessages(page).filter((e) => /localhost:3000.*does not match the recipient window's origin/.test(e));
  if (originErrors.length) diag(originErrors[0]);
  if (on && engine === 'chromium') ok(originErrors.length >= 1, "(c) Chromium says why: the target origin http://localhost:3000 does not match");
  else is(originErrors.length, 0, on ? '(c) Firefox: no console entry for it reaches the driver'
                                     : 'default mode: no postMessage was even attempted');
  await page.click('#frame-stop');
  await sleep(2600);
  const afterStop = await page.textContent('#frame-ours');
  like(afterStop, /open forever frames on the server: 0/, 'ours: the server holds no forever frame after the frames are removed');
  if (on) {
    const dead1 = Number(await page.getAttribute('body', 'data-dead-writes'));
    await sleep(1100);
    const dead2 = Number(await page.getAttribute('body', 'data-dead-writes'));
    ok(dead1 >= 2, `(b) the article's interval went on writing into the closed connection (${dead1} writes)`);
    ok(dead2 > dead1, `... and keeps going (${dead1} -> ${dead2})`);
  }

  // (d) JSONP
  await page.click('#run-jsonp');
  await page.waitForSelector('body[data-jsonp-ours="error"]', { timeout: 5000 });
  if (on) {
    await page.waitForSelector('body[data-jsonp-article="ran"]', { timeout: 5000 });
    const jA = await page.textContent('#jsonp-article');
    like(jA, /the injected script ran: YES/, "the article's JSONP runs a script sent as the callback");
    like(jA, /its origin: null/, '... inside an opaque origin (the sandbox)');
    like(jA, /reading the page's DOM: blocked \(SecurityError\)/, '... which cannot reach this page');
  } else {
    await page.waitForSelector('body[data-jsonp-article="error"]', { timeout: 5000 });
    ok(true, 'default mode: the article JSONP script failed to load (404)');
  }
  like(await page.textContent('#jsonp-ours'), /the injected script ran: no/, 'ours: the same callback is refused, nothing runs');

  // (e) framing
  await page.click('#run-unframed');
  await page.waitForSelector('body[data-unframed]', { timeout: 8000 });
  const uf = JSON.parse(await page.getAttribute('body', 'data-unframed'));
  if (on) {
    is(uf.none, 'ended normally', '(e) unframed: a cut stream reads as a normal end');
    like(uf.cut, /^error/, '(e) chunked: the same cut is an error the client sees');
    is(uf.clean, 'ended normally', '(e) chunked: the clean end is an end');
    like(await page.textContent('#unframed-none'), /Transfer-Encoding: null {3}Content-Length: null/, '(e) the unframed response has neither length nor chunks');
  } else {
    ok(uf.none === 'ended normally' && uf.cut === 'ended normally', 'default mode: only 404 answers');
    like(await page.textContent('#unframed-none'), /status 404/, '... status 404');
  }

  if (on) {
    // (a) again: the global interval, two clients
    await page.click('#run-sse-two');
    await page.waitForSelector('body[data-sse-two]', { timeout: 10000 });
    is(await page.getAttribute('body', 'data-sse-two'), 'starved',
      "(a) two clients: the first to leave clears the second one's timer");
    like(await page.textContent('#sse-two'), /cleared by another client's close: 1/, '... counted by the server');
  }
  await screenshot(page, on ? 'article-mode' : 'article-mode-off');
  // Expected: the 404s of default mode, the 400 refusing the hostile
  // callback and the cut stream of (e), as each engine words them.
  // Firefox reports a failed EventSource as "can’t establish a connection"
  // and the refused script (a text/plain 400, nosniff) as "blocked due to
  // MIME type".
  const EXPECTED = /favicon\.ico|does not match the recipient window's origin|404|^response 400: |Failed to load resource|ERR_INCOMPLETE_CHUNKED_ENCODING|EventSource|can’t establish a connection to the server at \S+\/article\/|was blocked due to MIME type \(“text\/plain”\) mismatch/;
  const unexpected = pageErrors(page).filter((e) => !EXPECTED.test(e));
  if (!ok(unexpected.length === 0, 'no other page errors')) unexpected.forEach((e) => diag(e));
}, { timeout: 90000 });
