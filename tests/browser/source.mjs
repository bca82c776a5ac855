// source.mjs - the annotated-source page: every listed server file
// renders as comment/code rows, ARTICLE anchors become headings, and a
// name outside the allow-list is refused.
import { run, ok, is, like, BASE } from './lib.mjs';

const FILES = ['server.c', 'http.c', 'hub.c', 'static.c', 'routes.c', 'escape.c', 'utf8.c', 'buf.c',
               'poll.c', 'iframe.c', 'ws.c', 'sha1.c', 'base64.c', 'sse.c', 'stream.c'];

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  for (const f of FILES) {
    await page.goto(`${BASE}/source.html?file=${f}`);
    await page.waitForSelector('#source tr', { timeout: 5000 });
    const rows = await page.locator('#source tr').count();
    ok(rows >= 2, `${f} renders as ${rows} comment/code rows`);
    const text = await page.textContent('#source');
    like(text, new RegExp(f.replace('.', '\\.')), `${f}: its own header comment is on the page`);
  }
  await page.goto(`${BASE}/source.html?file=routes.c`);
  await page.waitForSelector('#source tr.article', { timeout: 5000 });
  const headings = await page.locator('#source tr.article h2').allTextContents();
  ok(headings.some((h) => /ARTICLE §1\.1/.test(h)), 'routes.c: the ARTICLE §1.1 anchor is a heading');
  ok(headings.some((h) => /ARTICLE §5 — 5\.SSE长连接/.test(h)), 'and §5 is titled with the article heading');
  await screenshot(page, 'source-routes');
  noErrors(page, 'no page errors on the source pages');

  await page.goto(`${BASE}/source.html?file=../../etc/passwd`);
  await page.waitForSelector('#error:not([hidden])', { timeout: 5000 });
  like(await page.textContent('#error'), /404/, 'a name outside the allow-list is refused with 404');
  is(await page.locator('#source tr').count(), 0, 'and nothing is rendered');
});
