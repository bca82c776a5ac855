// tests/browser/poll-pages.mjs - the four polling pages (ARTICLE §1) in
// each engine: every page shows a message published with curl-like fetch
// from outside the page within a few seconds, renders a hostile message as
// exact text, and the short-polling ticket demo stops polling once its
// ticket is confirmed (code === '1').  Run by tests/29-poll-browser.t.

import { run, ok, is, like, diag, BASE } from './lib.mjs';

// Publish from outside the browser, as curl would.
async function publish(text) {
  const res = await fetch(`${BASE}/publish`, { method: 'POST', body: text });
  return (await res.json()).id;
}

async function stats() {
  return (await fetch(`${BASE}/stats`)).json();
}

// Wait until #display-div holds a line with this exact text ("#id text").
async function waitForLine(page, text, timeout) {
  await page.waitForFunction(
    (want) => [...document.querySelectorAll('#display-div p')].some((p) => p.textContent === want),
    text, { timeout });
}

const HOSTILE = '</script><script>window.pwned=1</script><!-- "q" \'s\' back\\slash \u2028 \u2029 <img src=x onerror="window.pwned=2"> &amp;';

const PAGES = [
  // name, path, how soon a message must show (ms)
  ['short-polling', '/short-polling.html?interval=500', 3000],
  ['long-polling', '/long-polling.html', 3000],
  ['iframe-polling', '/iframe-polling.html', 3000],
  ['jsonp-polling', '/jsonp-polling.html', 3000],
];

await run(async ({ newPage, screenshot, noErrors }) => {
  for (const [name, path, within] of PAGES) {
    const page = await newPage();
    const res = await page.goto(BASE + path, { waitUntil: 'load' });
    is(res && res.status(), 200, `${name}: the page answers 200`);
    // Let the page make its first poll (and, for the long ones, be held).
    await page.waitForFunction(() => Number(document.getElementById('requests').textContent) >= 1);
    await page.waitForTimeout(800);

    const text = `hello from curl to ${name} 你好`;
    const id = await publish(text);
    const t0 = Date.now();
    try {
      await waitForLine(page, `#${id} ${text}`, within);
      ok(true, `${name}: the published message shows in #display-div (${Date.now() - t0} ms)`);
    } catch (e) {
      ok(false, `${name}: the published message shows in #display-div within ${within} ms`);
      diag(await page.textContent('#display-div'));
    }

    const hid = await publish(HOSTILE);
    try {
      await waitForLine(page, `#${hid} ${HOSTILE}`, within);
      ok(true, `${name}: a hostile message shows as exactly its text`);
    } catch (e) {
      ok(false, `${name}: a hostile message shows as exactly its text`);
      diag(await page.textContent('#display-div'));
    }
    is(await page.evaluate(() => window.pwned), undefined, `${name}: no script from the message ran`);
    is(await page.$$eval('#display-div img, #display-div script', (els) => els.length), 0,
       `${name}: no element from the message was created`);

    const lines = await page.$$eval('#display-div p', (ps) => ps.map((p) => p.textContent));
    is(lines.filter((l) => l.startsWith(`#${id} `)).length, 1, `${name}: the message shows once`);
    await page.fill('#publish-text', `typed in ${name}`);
    await page.click('#publish-form button');
    try {
      await page.waitForFunction(
        (want) => [...document.querySelectorAll('#display-div p')].some((p) => p.textContent.endsWith(want)),
        ` typed in ${name}`, { timeout: within });
      ok(true, `${name}: the publish box works`);
    } catch (e) {
      ok(false, `${name}: the publish box works`);
    }
    like(await page.textContent('h1'), /轮询/, `${name}: the article's heading`);
    ok(await page.$('a[href="index.html"]') !== null, `${name}: a link back to the index`);
    like(await page.textContent('body'), /poll\.c/, `${name}: names its source file`);
    await screenshot(page, `poll-${name}`);
    noErrors(page, `${name}: no page error or console error`);
    await page.close();
  }

  // The JSONP page gives up on a request that does not answer, and a late
  // answer does nothing.  A JSONP.cbN call for a request already given up
  // on must not throw.
  {
    const page = await newPage();
    await page.goto(BASE + '/jsonp-polling.html', { waitUntil: 'load' });
    await page.waitForFunction(() => Number(document.getElementById('requests').textContent) >= 1);
    const scripts = await page.$$eval('script[src^="/poll/jsonp"]', (s) => s.length);
    is(scripts, 1, 'jsonp: one script tag while a poll is out');
    const id = await publish('one more');
    await waitForLine(page, `#${id} one more`, 3000);
    await page.waitForFunction(() => document.querySelectorAll('script[src^="/poll/jsonp"]').length === 1);
    const names = await page.evaluate(() => Object.keys(window.JSONP));
    is(names.length, 1, `jsonp: answered callbacks are removed (left: ${names.join(',')})`);
    noErrors(page, 'jsonp: no page error');
    await page.close();
  }

  // A JSONP request that takes too long is given up (a script cannot be
  // aborted); its late answer must do nothing, and polling goes on.
  {
    const page = await newPage();
    let delayNext = false;
    await page.route('**/poll/jsonp*', async (route) => {
      if (delayNext) {
        delayNext = false;
        await new Promise((r) => setTimeout(r, 1500));   // past the page's 300 ms grace
      }
      await route.continue();
    });
    await page.goto(BASE + '/jsonp-polling.html?timeout=300&interval=200', { waitUntil: 'load' });
    await page.waitForFunction(() => Number(document.getElementById('requests').textContent) >= 1);
    await page.uncheck('#long');                  // short polls from the next one on
    delayNext = true;
    await publish('release the held poll');
    await page.waitForFunction(() => /timeout/.test(document.getElementById('status').textContent),
                               null, { timeout: 5000 });
    ok(true, 'jsonp: a slow script is given up on (status says timeout)');
    await page.waitForTimeout(2000);              // the late answer arrives meanwhile
    const id = await publish('after the timeout');
    await waitForLine(page, `#${id} after the timeout`, 5000);
    ok(true, 'jsonp: polling goes on after the timeout');
    const lines = await page.$$eval('#display-div p', (ps) => ps.map((p) => p.textContent));
    is(lines.filter((l) => l.endsWith(' release the held poll')).length, 1,
       'jsonp: the late answer did not show the message a second time');
    noErrors(page, 'jsonp: the late answer raised no error');
    await page.close();
  }

  // The long-polling page holds one request on the server.
  {
    const before = (await stats()).connections.held_poll;
    const page = await newPage();
    await page.goto(BASE + '/long-polling.html', { waitUntil: 'load' });
    await page.waitForTimeout(1000);
    const held = (await stats()).connections.held_poll;
    is(held, before + 1, 'long-polling: the page holds one poll on the server');
    await page.close();
  }

  // code === '1': the ticket demo stops polling once confirmed.
  {
    const page = await newPage();
    await page.goto(BASE + '/short-polling.html?interval=300', { waitUntil: 'load' });
    await page.click('#new-ticket');
    await page.waitForFunction(() => /^[0-9a-f]{16}$/.test(document.getElementById('ticket').textContent));
    const ticket = await page.textContent('#ticket');
    await page.waitForFunction(() => Number(document.getElementById('ticket-polls').textContent) >= 3);
    like(await page.textContent('#ticket-state'), /waiting/, 'ticket: waiting while polled');

    // Confirm from "another device": a second tab opened from the link.
    const href = await page.getAttribute('#confirm-link', 'href');
    const phone = await newPage();
    await phone.goto(new URL(href, BASE + '/').href, { waitUntil: 'load' });
    is(await phone.textContent('#confirm-ticket'), ticket, 'the confirm tab shows the same ticket');
    await phone.click('#confirm-remote');
    await phone.waitForFunction(() => document.getElementById('confirm-result').textContent !== '');
    like(await phone.textContent('#confirm-result'), /已确认/, 'the confirm tab confirmed it');
    await screenshot(phone, 'poll-short-polling-confirm');

    await page.waitForFunction(() => /confirmed/.test(document.getElementById('ticket-state').textContent),
                               null, { timeout: 3000 });
    ok(true, 'ticket: the page shows it was confirmed');
    const polls = Number(await page.textContent('#ticket-polls'));
    await page.waitForTimeout(1500);   // five intervals
    is(Number(await page.textContent('#ticket-polls')), polls, `ticket: polling stopped (clearInterval) at ${polls} polls`);
    await screenshot(page, 'poll-short-polling-ticket');
    noErrors(page, 'ticket: no page error');
    noErrors(phone, 'confirm tab: no page error');
  }
}, { timeout: 90000 });
