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
// Everything is shown with textContent, in Chinese and English (i18n.js:
// each line a pair of spans the page's language rule switches).  Load
// wire.js first: the panel is built with its el() and addStyle().
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
  I18N.add({
    'fault.summary': { en: 'fault buttons: break the connection on purpose, watch the server and the page recover',
                       zh: '故障按钮：故意弄断连接，看服务端和页面怎样恢复' },
    'fault.idle': { en: 'press a button', zh: '按一个按钮试试' },
    'fault.failed': { en: 'failed: {why}', zh: '失败：{why}' },
    'fault.cut': { en: 'cut the connection mid-stream', zh: '在传输中途切断连接' },
    'fault.cut-at': { en: 'cut at {time}', zh: '{time} 切断' },
    'fault.probe': { en: 'while cut off, published "{probe}" as event #{id}', zh: '断开期间发布了 "{probe}"，事件 #{id}' },
    'fault.reconnected': { en: 'reconnected', zh: '已重新连接' },
    'fault.no-drop': { en: 'the server dropped no connection (/stats "dropped" unchanged)',
                       zh: '服务端没有断开任何连接（/stats 的 "dropped" 没有变化）' },
    'fault.dropped': { en: 'the server dropped: {parts}', zh: '服务端断开了连接：{parts}' },
    'fault.last-drop': { en: '; last_drop: reason "{reason}", technique "{technique}", connection #{conn}, after it had been open {s} s',
                         zh: '；last_drop：原因 "{reason}"，技术 "{technique}"，连接 #{conn}，断开前已打开 {s} 秒' },
    'fault.once': { en: 'event #{id} arrived once after the reconnection: resumed without loss ({s} s after the cut)',
                    zh: '事件 #{id} 在重连后到达了一次：从游标处续上，没有丢失（切断后 {s} 秒）' },
    'fault.lost-resumes': { en: 'event #{id} never arrived: lost (unexpected: this technique resumes)',
                            zh: '事件 #{id} 始终没有到达：丢失了（不该如此：这种技术会从游标处续上）' },
    'fault.lost': { en: 'event #{id} never arrived: lost (this technique does not resume: it starts again from the live stream)',
                    zh: '事件 #{id} 始终没有到达：丢失了（这种技术不会续传：重连后从实时流重新开始）' },
    'fault.repeated': { en: 'event #{id} arrived {n} times: repeated', zh: '事件 #{id} 到达了 {n} 次：重复了' },
    'fault.repeats': { en: 'events repeated on this page since the cut: {n}', zh: '切断以来本页收到的重复事件：{n}' },
    'fault.stall': { en: 'stop reading (become a slow consumer)', zh: '停止读取（变成慢消费者）' },
    'fault.stall-open': { en: 'opened {url} with fetch() (HTTP {status}) and never read its body',
                          zh: '用 fetch() 打开 {url}（HTTP {status}），但从不读取响应体' },
    'fault.burst': { en: 'published {n} messages of {bytes} bytes (every client of every technique got them)',
                     zh: '发布了 {n} 条消息，每条 {bytes} 字节（所有技术的所有客户端都会收到）' },
    'fault.no-slow': { en: 'no slow_consumer drop: the browser kept reading this response although the page never read it (see the note below)',
                       zh: '没有出现 slow_consumer 断开：页面从不读取这个响应，浏览器却一直替它读（见下面的说明）' },
  });

  function describeDrops(before, after) {
    const d = dropDelta(before, after);
    const parts = Object.entries(d).map(([k, v]) => `${k} +${v}`);
    const ld = after.last_drop;
    const lastNew = ld && JSON.stringify(ld) !== JSON.stringify(before.last_drop);
    const text = document.createDocumentFragment();
    if (parts.length === 0) {
      text.append(I18N.both('fault.no-drop'));
    } else {
      text.append(I18N.both('fault.dropped', { parts: parts.join(', ') }));
      if (lastNew) {
        text.append(I18N.both('fault.last-drop', { reason: ld.reason, technique: ld.technique, conn: ld.conn,
                                                   s: (ld.after_ms / 1000).toFixed(1) }));
      }
    }
    return { delta: d, text, last: lastNew ? ld : null };
  }

  // The time of day as 15:04:05, the same in both languages.
  const clock = () => new Date().toTimeString().slice(0, 8);

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
    details.append(el('summary', null, I18N.both('fault.summary')));
    const bar = el('p');
    const result = el('div', 'result', I18N.both('fault.idle'));
    result.setAttribute('aria-live', 'polite');
    const lines = [];
    // text: a string key of the table above (with params), or a Node.
    const say = (text, cls, params) => {
      const line = el('div', cls, typeof text === 'string' ? I18N.both(text, params) : text);
      lines.push(line);
      result.append(line);
    };
    let busy = false;
    const guard = (fn) => async () => {
      if (busy) return;
      busy = true;
      result.replaceChildren();
      result.dataset.done = '';
      try { await fn(); } catch (e) { say('fault.failed', 'bad', { why: e.message }); }
      result.dataset.done = '1';
      busy = false;
    };

    if (cut) {
      const b = el('button', null, cutLabel || I18N.both('fault.cut'));
      b.type = 'button';
      b.className = 'fault-cut';
      b.addEventListener('click', guard(async () => {
        const before = await stats();
        const t0 = performance.now();
        const repeatsBefore = repeats;
        await cut();
        say('fault.cut-at', null, { time: clock() });
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
        // One token, so it reads as data in either language's text.
        const probe = `fault-probe-${Math.random().toString(36).slice(2, 10)}`;
        probes.set(probe, 0);
        const id = await publish(probe);
        say('fault.probe', null, { probe, id });
        await sleep(RECONNECT_AFTER_MS);
        if (reconnect) { await reconnect(); say('fault.reconnected'); }
        const end = performance.now() + PROBE_WAIT_MS;
        while (probes.get(probe) === 0 && performance.now() < end) await sleep(100);
        await sleep(300);                          // a repeat would come right behind
        const after = await stats();
        const drops = describeDrops(before, after);
        say(drops.text);
        const n = probes.get(probe);
        const took = ((performance.now() - t0) / 1000).toFixed(1);
        if (n === 1) say('fault.once', 'good', { id, s: took });
        else if (n === 0) say(resumes ? 'fault.lost-resumes' : 'fault.lost', 'bad', { id });
        else say('fault.repeated', 'bad', { id, n });
        say('fault.repeats', repeats === repeatsBefore ? 'good' : 'bad', { n: repeats - repeatsBefore });
        result.dataset.probe = String(n);
        result.dataset.drops = JSON.stringify(drops.delta);
        result.dataset.lastDrop = drops.last ? JSON.stringify(drops.last) : '';
      }));
      bar.append(b);
    }

    if (stall) {
      const b = el('button', null, I18N.both('fault.stall'));
      b.type = 'button';
      b.className = 'fault-stall';
      b.addEventListener('click', guard(async () => {
        const before = await stats();
        // A second connection to the same stream whose body we never read:
        // the browser's buffers fill, then TCP's, then the server's.
        const ctl = new AbortController();
        const stuck = await fetch(stall, { cache: 'no-store', signal: ctl.signal });
        say('fault.stall-open', null, { url: stall, status: stuck.status });
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
        say('fault.burst', null, { n: sent, bytes: big.length });
        const drops = describeDrops(before, now);
        say(drops.text, Object.keys(drops.delta).length ? 'good' : 'bad');
        if (!drops.delta.slow_consumer)
          say('fault.no-slow');
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
