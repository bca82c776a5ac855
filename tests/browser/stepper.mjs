// tests/browser/stepper.mjs - www/stepper.html in each engine, against
// ./server --step: one WebSocket message and one long-poll wake-up walked
// through the select() loop a step at a time.  STEP_BASE is the control
// port's URL.  Run by tests/74-stepper-browser.t.
import { run, ok, is, like, diag, BASE } from './lib.mjs';

const STEP_BASE = process.env.STEP_BASE;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await run(async ({ newPage, screenshot, noErrors }) => {
  const page = await newPage();
  await page.goto(STEP_BASE + '/stepper.html');
  await page.waitForSelector('body[data-ready="1"]');
  like(await page.textContent('#data-link'), new RegExp(BASE.replace(/[.]/g, '\\.') + '$'), 'the page found the data port');

  // The page shows each note and cell in Chinese and English (two spans,
  // the English one first); these read the English, which for a note is
  // the server's own text.
  const notes = async () => page.$$eval('#notes li', (lis) =>
    lis.map((li) => (li.querySelector(':scope > [lang="en"]') || li).textContent));
  const fdRow = async (fd) => page.$$eval(`#fds tr[data-fd="${fd}"] td`, (tds) =>
    tds.map((td) => (td.querySelector(':scope > [lang="en"]') || td).textContent));
  let iteration = Number(await page.getAttribute('body', 'data-iteration'));
  const step = async () => {
    await page.click('#step1');
    await page.waitForSelector(`body[data-iteration="${iteration + 1}"]`);
    iteration++;
    return notes();
  };

  // Nothing happens without a step: the loop is waiting.
  const before = iteration;
  await sleep(1200);
  is(Number(await page.getAttribute('body', 'data-iteration')), before, 'without a step, the loop runs no iteration');

  // A WebSocket: connect, step, see the accept; step, see its fd in rfds and the handshake read.
  await page.click('#ws-open');
  await sleep(300);                       // the browser connects and sends its upgrade request
  let n = await step();
  const accepted = n.map((t) => /^accepted fd (\d+) on port (\d+)$/.exec(t)).find(Boolean);
  if (!ok(accepted, 'step: "accepted fd N" for the WebSocket connection')) diag(JSON.stringify(n));
  const fd = accepted ? accepted[1] : '-1';
  is(await page.$(`#fds tr[data-fd="${fd}"]`), null, `fd ${fd} was not in this iteration's sets (it did not exist yet)`);

  n = await step();
  const row = await fdRow(fd);
  is(row.slice(0, 3), [fd, 'http', '✓'], `next step: fd ${fd} is in rfds, reading a request`);
  is(row[4], 'ready', `... and select() returned it ready to read`);
  ok(n.some((t) => new RegExp(`^read \\d+ bytes on fd ${fd} \\(http\\)$`).test(t)), `... "read N bytes on fd ${fd} (http)": the upgrade request`);
  ok(n.includes(`fd ${fd}: http -> websocket (/hub)`), '... the handler took it over: http -> websocket');
  ok(n.some((t) => new RegExp(`^wrote \\d+ bytes to fd ${fd} \\(websocket\\)`).test(t)), '... and the 101 response was written');
  await page.waitForSelector('body[data-ws="open"]');
  ok(true, 'the page saw the WebSocket open');

  // One message through the loop.
  await page.fill('#ws-text', 'through the loop');
  await page.click('#ws-send');
  await sleep(300);
  n = await step();
  is((await fdRow(fd)).slice(0, 2), [fd, 'websocket'], `fd ${fd} is now a websocket in rfds`);
  ok(n.some((t) => new RegExp(`^read \\d+ bytes on fd ${fd} \\(websocket\\)$`).test(t)), `step: "read N bytes on fd ${fd} (websocket)": the frame`);
  ok(n.some((t) => /^published event \d+ \(message\)/.test(t)), '... the message was published to the hub');
  ok(n.some((t) => new RegExp(`^wrote \\d+ bytes to fd ${fd} \\(websocket\\)`).test(t)), '... and written back to the same fd');
  await page.waitForSelector('body[data-ws-message="through the loop"]');
  ok(true, 'the page received its message back');
  diag(n.join(' | '));

  // A long poll wake-up.
  await page.click('#poll-start');
  await sleep(300);
  n = await step();
  const pollAccept = n.map((t) => /^accepted fd (\d+)/.exec(t)).find(Boolean);
  ok(pollAccept, 'step: the long poll connection is accepted');
  const pfd = pollAccept ? pollAccept[1] : '-1';
  n = await step();
  ok(n.includes(`fd ${pfd}: http -> held_poll (/poll?type=message&wait=25&after=${await page.evaluate(() => lastEventId)})`)
     || n.some((t) => t.startsWith(`fd ${pfd}: http -> held_poll`)), `step: the poll on fd ${pfd} is held (http -> held_poll)`);
  n = await step();
  is((await fdRow(pfd))[1], 'held_poll', `fd ${pfd} waits in rfds as a held poll`);
  is(await page.getAttribute('body', 'data-poll-answer'), null, 'the poll has no answer yet');

  await page.click('#publish');
  await sleep(300);
  const woke = [];
  for (let i = 0; i < 6 && !woke.some((t) => t.startsWith(`fd ${pfd}: held_poll -> http`)); i++) woke.push(...await step());
  ok(woke.some((t) => /^published event \d+ \(message\)/.test(t)), 'steps: the publish request is read and published');
  ok(woke.some((t) => t.startsWith(`fd ${pfd}: held_poll -> http`)), `... which wakes the held poll on fd ${pfd} (held_poll -> http)`);
  ok(woke.some((t) => new RegExp(`^wrote \\d+ bytes to fd ${pfd} \\(http\\)`).test(t)), `... and its answer is written to fd ${pfd}`);
  diag(woke.join(' | '));
  await page.waitForSelector('body[data-poll-answer]');
  like(await page.getAttribute('body', 'data-poll-answer'), /^published at /, 'the page got the long poll answer');

  await screenshot(page, 'stepper');
  noErrors(page);
}, { timeout: 60000 });
