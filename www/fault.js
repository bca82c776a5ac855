// fault.js - the fault buttons shared by the technique pages.
//
// Each button makes a failure happen for real, then shows what the server
// did (from /stats: the drop counters by reason and "last_drop", which
// says which technique's connection was dropped, why, and after how long
// it had been open) and what the page saw (did a message published while
// the page was cut off arrive, once, twice or never).
//
//   Fault.panel({ tech, parent, cut, reconnect, resumes, stall, notes })
//     tech       the /stats technique name ("sse", "long_poll", ...)
//     cut        async (): cut this page's connection mid-stream
//     reconnect  async (): connect again (omit if the page does it itself)
//     resumes    true if the technique resumes from a cursor / Last-Event-ID
//     stall      a URL of the technique's stream: "stop reading" fetches it
//                and never reads the body (null: no such button)
//     notes      lines explaining what is and is not possible, each a
//                pair { en, zh } (or a Node such as I18N.both(key))
//     cutLabel   the cut button's label, a pair { en, zh } (or a Node)
//   Fault.seen(ev)   pages call this for every event {id, data} they receive.
//
// Everything is shown with textContent.  Load wire.js first: the panel is
// built with its el() and addStyle().
'use strict';

const Fault = (() => {
  const PROBE_GAP_MS = 400;        // publish the probe this long after the cut
  const RECONNECT_AFTER_MS = 800;  // then reconnect after this long
  const PROBE_WAIT_MS = 8000;      // how long to wait for the probe to arrive
  const BURST_BYTES = 8000;        // "<\n" pairs per burst message: 16000 bytes,
                                   // 64000 on the wire once escaped / framed
  const BURST_MAX = 300;           // messages at most per "stop reading" run
  const BURST_CHECK_EVERY = 10;    // read /stats after this many

  const seenCount = new Map();     // event id -> times received
  let repeats = 0;
  const probes = new Map();        // probe text -> times received

  function seen(ev) {
    if (!ev || ev.id === undefined) return;
    const id = String(ev.id);
    const n = (seenCount.get(id) || 0) + 1;
    seenCount.set(id, n);
    if (n > 1) repeats++;
    if (typeof ev.data === 'string' && probes.has(ev.data)) probes.set(ev.data, probes.get(ev.data) + 1);
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  async function stats() {
    return (await fetch('/stats', { cache: 'no-store' })).json();
  }
  async function publish(text) {
    const res = await fetch('/publish', { method: 'POST', body: text });
    if (!res.ok) throw new Error(`publish: HTTP ${res.status}`);
    return (await res.json()).id;
  }
  function dropDelta(before, after) {
    const out = {};
    for (const [k, v] of Object.entries(after.dropped || {})) {
      const d = v - ((before.dropped || {})[k] || 0);
      if (d > 0) out[k] = d;
    }
    return out;
  }
  function describeDrops(before, after) {
    const d = dropDelta(before, after);
    const parts = Object.entries(d).map(([k, v]) => `${k} +${v}`);
    const ld = after.last_drop;
    const lastNew = ld && JSON.stringify(ld) !== JSON.stringify(before.last_drop);
    return {
      delta: d,
      text: parts.length === 0
        ? 'the server dropped no connection (/stats "dropped" unchanged)'
        : `the server dropped: ${parts.join(', ')}` +
          (lastNew ? `; last_drop: reason "${ld.reason}", technique "${ld.technique}", connection #${ld.conn}, after it had been open ${(ld.after_ms / 1000).toFixed(1)} s` : ''),
      last: lastNew ? ld : null,
    };
  }

  // The panel is built with wire.js's helpers (every page loads it first).
  const { el, addStyle } = Wire;
  const FAULT_CSS = `
.faults { border: 1px solid #e3c0c0; border-radius: 4px; margin: .8rem 0; padding: .3rem .6rem; background: #fffafa; font-size: .9rem; }
.faults summary { cursor: pointer; font-weight: bold; }
.faults button { font: inherit; margin: .2rem .4rem .2rem 0; }
.faults .result { font-family: ui-monospace, monospace; font-size: .82rem; white-space: pre-wrap; background: #fff; border: 1px solid #eee; padding: .3rem .5rem; min-height: 1.5rem; }
.faults .result .bad { color: #b00; font-weight: bold; } .faults .result .good { color: #070; font-weight: bold; }
.faults ul { margin: .3rem 0; padding-left: 1.2rem; color: #444; }`;

  function panel({ tech, parent = document.body, cut = null, reconnect = null, resumes = false, stall = null, notes = [], cutLabel, probe: useProbe = true }) {
    addStyle(FAULT_CSS);
    const details = el('details', 'faults');
    details.dataset.tech = tech;
    details.open = true;
    details.append(el('summary', null, '故障按钮 · fault buttons: break it on purpose, watch the server and the page recover'));
    const bar = el('p');
    const result = el('div', 'result', 'press a button');
    result.setAttribute('aria-live', 'polite');
    const lines = [];
    const say = (text, cls) => {
      const line = el('div', cls, text);
      lines.push(line);
      result.append(line);
    };
    let busy = false;
    const guard = (fn) => async () => {
      if (busy) return;
      busy = true;
      result.replaceChildren();
      result.dataset.done = '';
      try { await fn(); } catch (e) { say(`failed: ${e.message}`, 'bad'); }
      result.dataset.done = '1';
      busy = false;
    };

    if (cut) {
      const b = el('button', null, cutLabel || 'cut the connection mid-stream');
      b.type = 'button';
      b.className = 'fault-cut';
      b.addEventListener('click', guard(async () => {
        const before = await stats();
        const t0 = performance.now();
        const repeatsBefore = repeats;
        await cut();
        say(`cut at ${new Date().toLocaleTimeString()}`);
        if (!useProbe) {
          await sleep(RECONNECT_AFTER_MS);
          const after = await stats();
          const drops = describeDrops(before, after);
          say(drops.text);
          result.dataset.drops = JSON.stringify(drops.delta);
          result.dataset.lastDrop = drops.last ? JSON.stringify(drops.last) : '';
          return;
        }
        await sleep(PROBE_GAP_MS);
        const probe = `fault probe ${Math.random().toString(36).slice(2, 10)}`;
        probes.set(probe, 0);
        const id = await publish(probe);
        say(`while cut off, published "${probe}" as event #${id}`);
        await sleep(RECONNECT_AFTER_MS);
        if (reconnect) { await reconnect(); say('reconnected'); }
        const end = performance.now() + PROBE_WAIT_MS;
        while (probes.get(probe) === 0 && performance.now() < end) await sleep(100);
        await sleep(300);                          // a repeat would come right behind
        const after = await stats();
        const drops = describeDrops(before, after);
        say(drops.text);
        const n = probes.get(probe);
        const took = ((performance.now() - t0) / 1000).toFixed(1);
        if (n === 1) say(`event #${id} arrived once after the reconnection: resumed without loss (${took} s after the cut)`, 'good');
        else if (n === 0) say(`event #${id} never arrived: lost${resumes ? ' (unexpected: this technique resumes)' : ' (this technique does not resume: it starts again from the live stream)'}`, resumes ? 'bad' : 'bad');
        else say(`event #${id} arrived ${n} times: repeated`, 'bad');
        say(`events repeated on this page since the cut: ${repeats - repeatsBefore}`, repeats === repeatsBefore ? 'good' : 'bad');
        result.dataset.probe = String(n);
        result.dataset.drops = JSON.stringify(drops.delta);
        result.dataset.lastDrop = drops.last ? JSON.stringify(drops.last) : '';
      }));
      bar.append(b);
    }

    if (stall) {
      const b = el('button', null, 'stop reading (become a slow consumer)');
      b.type = 'button';
      b.className = 'fault-stall';
      b.addEventListener('click', guard(async () => {
        const before = await stats();
        // A second connection to the same stream whose body we never read:
        // the browser's buffers fill, then TCP's, then the server's.
        const ctl = new AbortController();
        const stuck = await fetch(stall, { cache: 'no-store', signal: ctl.signal });
        say(`opened ${stall} with fetch() (HTTP ${stuck.status}) and never read its body`);
        const big = '<\n'.repeat(BURST_BYTES);
        let sent = 0, now = before;
        for (; sent < BURST_MAX; sent++) {
          await publish(big);
          if (sent % BURST_CHECK_EVERY === BURST_CHECK_EVERY - 1) {
            now = await stats();
            if (Object.keys(dropDelta(before, now)).length > 0) { sent++; break; }
          }
        }
        now = await stats();
        say(`published ${sent} messages of ${big.length} bytes (every client of every technique got them)`);
        const drops = describeDrops(before, now);
        say(drops.text, Object.keys(drops.delta).length ? 'good' : 'bad');
        if (!drops.delta.slow_consumer)
          say('no slow_consumer drop: the browser kept reading this response although the page never read it (see the note below)');
        ctl.abort();                               // let the stuck connection go
        result.dataset.drops = JSON.stringify(drops.delta);
        result.dataset.lastDrop = drops.last ? JSON.stringify(drops.last) : '';
      }));
      bar.append(b);
    }

    const ul = el('ul');
    for (const n of notes) ul.append(el('li', null, n));
    details.append(bar, result, ul);
    parent.append(details);
    return { element: details, result };
  }

  return { panel, seen, stats, repeats: () => repeats };
})();
