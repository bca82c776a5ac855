// ws-pages.mjs - the WebSocket pages in each engine (ARTICLE §4.4):
// www/websocket.html, the article's page: 建立连接, 发送一条消息 (123) and
// the reply "服务端已收到信息，您的信息是123" shown in the page, 断开连接
// with a clean close; and www/chat.html on /hub: the clock ticks, a
// message sent in one page appears in another page (loaded from another
// port) as text, and one published with curl appears in both.  Run by
// tests/46-ws-browser.t.
import { execFileSync } from 'node:child_process';
import { run, ok, is, like, BASE, BASES } from './lib.mjs';

const stats = async () => (await fetch(`${BASE}/stats`)).json();
async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const logText = (page) => page.textContent('#log');

await run(async ({ newPage, screenshot, noErrors }) => {
  // --- the article's page ---------------------------------------------------
  const page = await newPage();
  const res = await page.goto(`${BASE}/websocket.html`);
  is(res && res.status(), 200, 'websocket.html loads');
  for (const label of ['建立连接', '断开连接', '发送一条消息'])
    is(await page.locator('button', { hasText: label }).count(), 1, `it has the article's ${label} button`);

  await page.click('text=发送一条消息');
  like(await logText(page), /还没有连接/, 'sending before connecting says so instead of throwing');

  await page.click('text=建立连接');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('连接成功'));
  ok(true, 'open: 连接成功 is shown');
  is(await until(async () => (await stats()).connections.websocket === 1), true, 'the server has one WebSocket');

  await page.click('text=发送一条消息');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('您的信息是123'));
  like(await logText(page), /message服务端已收到信息，您的信息是123/, 'message: the reply to 123 is shown in the page');

  await page.fill('#message', '你好 <b>WebSocket</b>');
  await page.click('#send-text');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('您的信息是你好'));
  like(await logText(page), /服务端已收到信息，您的信息是你好 <b>WebSocket<\/b>/, 'a typed message comes back as text');
  is(await page.locator('#log b').count(), 0, 'and is not interpreted as HTML');
  await screenshot(page, 'websocket');

  await page.click('text=断开连接');
  await page.waitForFunction(() => document.querySelector('#log').textContent.includes('连接关闭'));
  like(await logText(page), /连接关闭 code=1000 reason="" wasClean=true/, 'close: a clean close with 1000');
  is(await until(async () => (await stats()).connections.websocket === 0), true, 'the server closed its side');
  noErrors(page, 'websocket.html: no page or console errors');

  // --- the chat ------------------------------------------------------------
  const a = await newPage();
  const b = await newPage();
  await a.goto(`${BASE}/chat.html`);
  await b.goto(`${BASES[1] || BASE}/chat.html`);
  for (const [p, name] of [[a, 'page A'], [b, 'page B (another port)']]) {
    await p.waitForFunction(() => /^\d\d:\d\d:\d\d$/.test(document.querySelector('#clock').textContent));
    ok(true, `${name}: the clock shows the server time`);
  }
  const text = '大家好 <img src=x onerror="window.pwned=1"> & "quotes"';
  await a.fill('#text', text);
  await a.press('#text', 'Enter');
  await b.waitForFunction((t) => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === t), text);
  ok(true, 'a message sent in page A appears in page B, as its exact text');
  await a.waitForFunction((t) => [...document.querySelectorAll('#messages li.mine .text')].some((e) => e.textContent === t), text);
  ok(true, 'page A shows it too, marked as its own');
  is(await b.evaluate(() => window.pwned), undefined, 'nothing in it ran as script');
  is(await b.locator('#messages img').count(), 0, 'no element was made from it');

  execFileSync('curl', ['-s', '--max-time', '5', '--data-binary', 'from curl', `${BASE}/publish`]);
  for (const [p, name] of [[a, 'A'], [b, 'B']]) {
    await p.waitForFunction(() => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === 'from curl'));
    ok(true, `a message published with curl appears in page ${name}`);
  }
  await screenshot(b, 'chat');
  noErrors(a, 'chat.html A: no page or console errors');
  noErrors(b, 'chat.html B: no page or console errors');
});
