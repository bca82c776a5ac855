// source.mjs - the annotated-source page: every listed server file
// renders as comment/code rows, ARTICLE anchors become headings, and a
// name outside the allow-list is refused.
import { run, ok, is, like, BASE } from './lib.mjs';

// The one list of the server's files, by layer, as the server serves it
// (teach/source.c; tests/16-layers.t checks it against the tree).
const LAYERS = (await (await fetch(`${BASE}/source/files`)).json()).layers;
const FILES = LAYERS.flatMap((l) => l.files.map((f) => f.name));

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  await page.goto(`${BASE}/source.html`);
  await page.waitForSelector('#files a', { timeout: 5000 });
  const nav = await page.$$eval('#files a', (as) => as.map((a) => a.textContent));
  is(nav, FILES, `the navigation lists every server source file and header (${FILES.length}), in the server's order`);
  const layerRows = await page.$$eval('#files .layer', (ss) => ss.map((x) => x.textContent.split(':')[0]));
  is(layerRows, LAYERS.map((l) => l.id), 'grouped by layer, from the ground up');
  for (const f of FILES) {
    await page.goto(`${BASE}/source.html?file=${f}`);
    await page.waitForSelector('#source tr', { timeout: 5000 });
    const rows = await page.locator('#source tr').count();
    // One row per comment block and the code after it: a file with one
    // comment (its header) is one row, a file with more is at least two.
    const src = await (await fetch(`${BASE}/source?file=${encodeURIComponent(f)}`)).text();
    const blocks = src.split('\n').filter((l) => /^\s*\/\*/.test(l)).length;
    ok(rows >= Math.min(blocks, 2) && rows >= 1, `${f} renders as ${rows} comment/code rows (${blocks} comment blocks)`);
    const text = await page.textContent('#source');
    like(text, new RegExp(f.split('/').pop().replace('.', '\\.')), `${f}: its own header comment is on the page`);
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
