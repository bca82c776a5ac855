// tests/browser/index.mjs - the index page in a real browser: its title,
// one heading per article section (in the article's Chinese), every link
// answering, and no page error.  Run by tests/90-browser-index.t.

import { run, ok, is, like, diag, skip, statusOf, BASE } from './lib.mjs';

// The article's section headings, as the index must show them.
const SECTIONS = ['轮询', 'iframe长连接', 'Websocket长连接', 'SSE长连接'];

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  const res = await page.goto(BASE + '/', { waitUntil: 'load' });
  is(res && res.status(), 200, 'GET / answers 200');
  like(res ? res.headers()['content-type'] || '' : '', /^text\/html/, 'as text/html');

  const title = await page.title();
  like(title, /\S/, `the page has a title (${title})`);

  const headings = await page.$$eval('h1, h2, h3, h4', (hs) => hs.map((h) => h.textContent.trim()));
  for (const s of SECTIONS) {
    ok(headings.some((h) => h.includes(s)), `a heading names the section ${s}`);
  }

  // Every link: same-origin ones must answer 200 (status only: some are
  // streams); in-page fragments must name an element; others are noted.
  const links = await page.$$eval('a[href]', (as) =>
    as.map((a) => ({ href: a.href, raw: a.getAttribute('href'), text: a.textContent.trim() })));
  ok(links.length > 0, `the page has links (${links.length})`);
  const origin = new URL(BASE).origin;
  const seen = new Set();
  for (const { href, raw, text } of links) {
    ok(text.length > 0, `link ${raw} has text`);
    const url = new URL(href);
    if (raw.startsWith('#')) {
      const id = decodeURIComponent(raw.slice(1));
      ok(id === '' || (await page.$(`[id="${id.replace(/"/g, '\\"')}"]`)) !== null, `fragment ${raw} names an element`);
      continue;
    }
    url.hash = '';
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    if (url.origin !== origin) {
      skip(`link ${raw}`, 'not same-origin, not fetched');
      continue;
    }
    is(await statusOf(url.href), 200, `link ${raw} answers 200`);
  }

  await screenshot(page, 'index');
  noErrors(page, 'no page error or console error on /');
});
