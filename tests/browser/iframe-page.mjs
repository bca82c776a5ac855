// iframe-page.mjs - the forever-frame page (www/iframe-long-connection.html,
// ARTICLE §2) in each engine: 开始连接 shows the time at once and keeps it
// ticking, messages published with curl show up as their exact text
// (hostile ones included, without running anything), 断开连接 stops the
// updates and the server's forever_frame count goes back to 0.  Run by
// tests/35-iframe-browser.t.
import { execFileSync } from 'node:child_process';
import { run, ok, is, like, diag, BASE, PORT } from './lib.mjs';

const TIME = /^\d\d:\d\d:\d\d$/;

const stats = async () => (await fetch(`${BASE}/stats`)).json();
const framesOpen = async () => (await stats()).connections.forever_frame;

// Wait (at most `ms`) until fn() resolves to a truthy value; return it.
async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Publish with curl, an independent client: the page must not be the
// one that both sends and receives.
function publish(text) {
  const out = execFileSync('curl', ['-s', '--max-time', '5', '--data-binary', '@-', `${BASE}/publish`],
                           { input: Buffer.from(text, 'utf8') });
  return JSON.parse(out.toString()).id;
}

const HOSTILE = [
  '</script><script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned = 2">',
  '<!-- <script>window.pwned = 3</script>',
  'quote " apostrophe \' backslash \\ \\" \\u0041',
  'line\u2028separator\u2029paragraph',
  'controls \u0001\u001f tab\t cr\r lf\n end',
  'plain 中文 message',
];

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  const res = await page.goto(`${BASE}/iframe-long-connection.html`);
  is(res && res.status(), 200, 'the page loads');
  is(await page.locator('button', { hasText: '开始连接' }).count(), 1, 'it has the article\'s 开始连接 button');
  is(await page.locator('#display-div').count(), 1, 'and #display-div');

  await page.click('text=断开连接');
  is(await framesOpen(), 0, '断开连接 before connecting does nothing (and throws nothing)');

  // --- connect: the first time shows at once ----------------------------
  const t0 = Date.now();
  await page.click('text=开始连接');
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#display-div').textContent),
                             TIME.source, { timeout: 5000 });
  const firstMs = Date.now() - t0;
  ok(firstMs < 900, `the first time shows at once, not after buffering (${firstMs} ms)`);
  const first = await page.textContent('#display-div');
  like(first, TIME, `#display-div shows the time (${first})`);
  is(await until(async () => (await framesOpen()) === 1), true, 'the server holds one forever frame');
  await page.waitForFunction((t) => document.querySelector('#display-div').textContent !== t, first,
                             { timeout: 3000 });
  const second = await page.textContent('#display-div');
  ok(TIME.test(second) && second !== first, `and it ticks (${first} -> ${second})`);

  await page.click('text=开始连接');
  is(await page.locator('iframe').count(), 1, 'a second 开始连接 opens no second frame');

  // --- messages from curl ---------------------------------------------------
  const ids = HOSTILE.map(publish);
  await page.waitForFunction((n) => document.querySelectorAll('#log li').length >= n, HOSTILE.length,
                             { timeout: 5000 });
  const shown = await page.$$eval('#log li', (lis) => lis.map((li) => ({ id: Number(li.dataset.id), text: li.querySelector('.text').textContent })));
  for (let i = 0; i < HOSTILE.length; i++) {
    const li = shown.find((s) => s.id === ids[i]);
    is(li && li.text, HOSTILE[i], `message ${ids[i]} is shown as its exact text: ${JSON.stringify(HOSTILE[i]).slice(0, 50)}`);
  }
  is(await page.evaluate(() => window.pwned), undefined, 'no published text ran as script');
  is(await page.locator('#log img, #log script').count(), 0, 'and none became markup');

  // A message from some other window (here the page itself) is ignored.
  await page.evaluate(() => window.postMessage({ id: 1, type: 'time', data: 'FORGED' }, '*'));
  await page.waitForTimeout(200);
  ok(await page.textContent('#display-div') !== 'FORGED', 'a postMessage not from our frame is ignored');
  await screenshot(page, 'iframe-long-connection');

  // --- the publish box on the page -------------------------------------------
  await page.fill('#message', 'from the publish box');
  await page.click('#publish');
  await page.waitForFunction(() => [...document.querySelectorAll('#log li')]
    .some((li) => li.querySelector('.text').textContent === 'from the publish box'), null, { timeout: 5000 });
  ok(true, 'the publish box publishes, and the frame delivers it');

  // --- disconnect: the updates stop, the server lets go ------------------------
  await page.click('text=断开连接');
  is(await page.locator('iframe').count(), 0, '断开连接 removes the frame');
  is(await until(async () => (await framesOpen()) === 0), true,
     'the server notices the closed connection: forever_frame back to 0');
  const stopped = await page.textContent('#display-div');
  const bytes1 = (await stats()).techniques.forever_frame.bytes;
  const lateId = publish('after the disconnect');
  await page.waitForTimeout(2300);
  is(await page.textContent('#display-div'), stopped, 'the time no longer updates');
  const late = await page.$$eval('#log li', (lis, id) => lis.filter((li) => Number(li.dataset.id) === id).length, lateId);
  is(late, 0, 'a message published after the disconnect does not arrive');
  is((await stats()).techniques.forever_frame.bytes, bytes1, 'the server writes no more forever-frame bytes');

  // --- reconnect -------------------------------------------------------------------
  await page.click('text=开始连接');
  await page.waitForFunction((t) => document.querySelector('#display-div').textContent !== t, stopped,
                             { timeout: 3000 });
  ok(true, '开始连接 again resumes the updates');
  await page.click('text=断开连接');
  noErrors(page, 'no page or console errors');

  // --- the article's bug: a page opened as localhost, not 127.0.0.1 -------------
  const other = await newPage();
  await other.goto(`http://localhost:${PORT}/iframe-long-connection.html`);
  await other.click('text=开始连接');
  const ok2 = await other.waitForFunction((re) => new RegExp(re).test(document.querySelector('#display-div').textContent),
                                          TIME.source, { timeout: 5000 }).then(() => true, () => false);
  ok(ok2, 'opened as http://localhost:PORT the page works too (its own origin is passed)');
  await other.click('text=断开连接');
  noErrors(other, 'no errors on the localhost page');
  const left = await until(async () => (await framesOpen()) === 0);
  if (!is(left, true, 'every frame closed at the end')) diag(JSON.stringify(await stats()));
});
