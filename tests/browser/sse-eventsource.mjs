// tests/browser/sse-eventsource.mjs - GET /sseStream read by a second,
// independent EventSource implementation: npm `eventsource` (4.x, built on
// node's fetch and eventsource-parser).  It receives testEvent and the
// messages, joins multi-line data as the spec says, resumes with a
// Last-Event-ID header or ?lastEventId=, reconnects by itself after the
// server ends the response (?closeAfter=N) without losing or repeating an
// event, and gives up on a 400.  No browser: run by tests/54-sse-npm.t.

import { EventSource } from 'eventsource';

const BASE = process.env.BASE;
const TIMEOUT_MS = 60000;
let count = 0;
let failed = 0;

function ok(cond, desc) {
  count++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${desc.replace(/#/g, '\\#')}`);
  return cond;
}
function is(got, want, desc) {
  const pass = got === want;
  if (!ok(pass, desc)) console.log(`# got:      ${JSON.stringify(got)}\n# expected: ${JSON.stringify(want)}`);
  return pass;
}

async function publish(text) {
  const res = await fetch(BASE + '/publish', { method: 'POST', body: text });
  return (await res.json()).id;
}

// An EventSource that records every event it sees.
function record(url, { lastEventId } = {}) {
  const init = lastEventId === undefined ? {} : {
    fetch: (u, opts) => fetch(u, { ...opts, headers: { ...opts.headers, 'Last-Event-ID': lastEventId } }),
  };
  const es = new EventSource(url, init);
  const seen = [];
  const push = (e) => seen.push({ type: e.type, id: e.lastEventId, data: e.data });
  for (const type of ['message', 'testEvent', 'missed']) es.addEventListener(type, push);
  es.addEventListener('error', (e) => seen.push({ type: 'error', code: e.code, message: e.message }));
  return { es, seen };
}

// Resolve once pred(seen) holds, or fail after ms.
function waitFor(rec, pred, ms = 8000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (pred(rec.seen)) return resolve();
      if (Date.now() - started > ms) return reject(new Error('timed out waiting'));
      setTimeout(tick, 50);
    };
    tick();
  });
}

const ids = (seen) => seen.filter((e) => e.type === 'message').map((e) => Number(e.id));
const gaps = (list) => list.slice(1).filter((id, i) => id !== list[i] + 1).length;

async function main() {
  // ---- testEvent and messages -----------------------------------------
  const a = record(BASE + '/sseStream');
  await waitFor(a, (s) => s.some((e) => e.type === 'testEvent'));
  const test = a.seen.find((e) => e.type === 'testEvent');
  ok(/^connected: live events after id \d+ follow$/.test(test.data), 'npm eventsource dispatches testEvent with its data');
  ok(/^\d+$/.test(test.id), `testEvent's lastEventId is the numeric cursor (${test.id})`);
  await waitFor(a, (s) => ids(s).length >= 2);
  is(ids(a.seen)[0], Number(test.id) + 1, 'the first message follows the cursor');

  const text = 'line one\r\nline two\rline three\n\nid: 999\nevent: evil\ndata: forged';
  const id = await publish(text);
  await waitFor(a, (s) => s.some((e) => e.id === String(id)));
  const got = a.seen.find((e) => e.id === String(id));
  is(got.type, 'message', 'a hostile message is one "message" event');
  is(got.data, 'line one\nline two\nline three\n\nid: 999\nevent: evil\ndata: forged',
    'its data comes back whole, each CR, LF or CRLF as one LF');
  ok(!a.seen.some((e) => e.type === 'evil' || e.id === '999'), 'no forged event or id');
  is(gaps(ids(a.seen)), 0, 'ids have no gap');
  a.es.close();

  // ---- resuming ---------------------------------------------------------
  const p1 = await publish('resume-1');
  const p2 = await publish('resume-2');
  const b = record(BASE + '/sseStream', { lastEventId: String(p1) });
  await waitFor(b, (s) => s.some((e) => e.data === 'resume-2'));
  is(b.seen.find((e) => e.type === 'message').id, String(p2), 'Last-Event-ID header: resumes right after it');
  b.es.close();
  const c = record(`${BASE}/sseStream?lastEventId=${p1}`);
  await waitFor(c, (s) => s.some((e) => e.data === 'resume-2'));
  is(c.seen.find((e) => e.type === 'message').id, String(p2), '?lastEventId=: the same');
  c.es.close();

  // ---- the server ends the response: the client reconnects by itself ----
  const d = record(`${BASE}/sseStream?closeAfter=2`);
  await waitFor(d, (s) => s.some((e) => e.type === 'error'));       // the first end
  const gapId = await publish('published during the reconnection delay');
  // Two ends after 2 clock ticks each, two 3 s retry delays: ~10 s when
  // idle; the bound leaves room for a loaded CI machine.
  await waitFor(d, (s) => s.filter((e) => e.type === 'testEvent').length >= 3, 30000);
  const tests = d.seen.filter((e) => e.type === 'testEvent');
  ok(/^resumed after id \d+: /.test(tests[1].data), `the reconnect sent Last-Event-ID (${tests[1].data})`);
  ok(d.seen.some((e) => e.id === String(gapId)), 'the message published during the delay arrived');
  is(gaps(ids(d.seen)), 0, 'across two reconnections: no gap');
  is(new Set(ids(d.seen)).size, ids(d.seen).length, '... and no duplicate');
  d.es.close();

  // ---- a 400 is final ---------------------------------------------------
  const e = record(`${BASE}/sseStream?lastEventId=abc`);
  await waitFor(e, (s) => s.some((x) => x.type === 'error'));
  const err = e.seen.find((x) => x.type === 'error');
  if (!is(err.code, 400, '?lastEventId=abc: the client sees 400')) console.log(`# the error event: ${JSON.stringify(err)}`);
  await new Promise((r) => setTimeout(r, 500));
  is(e.es.readyState, EventSource.CLOSED, '... and does not retry (a non-200 answer is fatal)');
  e.es.close();
}

const hard = setTimeout(() => {
  console.log(`Bail out! not finished within ${TIMEOUT_MS} ms`);
  process.exit(2);
}, TIMEOUT_MS);
try {
  await main();
} catch (err) {
  ok(false, `ran to the end: ${err.message}`);
}
clearTimeout(hard);
console.log(`1..${count}`);
process.exit(failed ? 1 : 0);
