// poll-common.js - what the four polling pages share (server: poll.c).
//
// Showing events, the publish box, the request counter and the retry
// delay.  Everything that comes from the server is shown with
// textContent, never innerHTML: a message is text, whatever it contains.
// What the pages write for the reader is in both languages: a key of
// I18N's table (i18n.js, loaded first), written with I18N.both() so that
// the language toggle switches it without re-rendering.  An event's line
// is data and stays as it came (data-no-i18n), and so is an error's
// message (the browser's or the server's words), shown beside the
// translated text, never inside it.
'use strict';

I18N.add({
  'poll.missed': {
    en: "({n} events left the server's ring before this poll: missed)",
    zh: '（这次轮询之前，已有 {n} 个事件被挤出服务端的环形缓冲区：丢失）',
  },
  'poll.reset': {
    en: '(the server restarted: cursor reset)',
    zh: '（服务端重启过：游标已重置）',
  },
  'poll.publishFailed': { en: 'publish failed: ', zh: '发布失败：' },
  'poll.ok': { en: 'ok, last id {id}', zh: '正常，最新 id 为 {id}' },
  'poll.error': { en: 'error: ', zh: '出错：' },
  'poll.retryIn': { en: '; retrying in {s} s', zh: '；{s} 秒后重试' },
});

const PollCommon = (() => {
  const MAX_SHOWN = 200;          // lines kept in #display-div
  const BACKOFF_FIRST_MS = 1000;  // first retry after an error
  const BACKOFF_MAX_MS = 30000;   // retries never wait longer than this

  // A page parameter from its own URL, e.g. ?interval=500 for tests.
  function param(name, fallback) {
    const v = new URLSearchParams(location.search).get(name);
    return v === null || v === '' ? fallback : v;
  }

  // "type=message" unless the page's "clock too" box is ticked.
  function typeParam() {
    const box = document.getElementById('with-time');
    return box && box.checked ? 'all' : 'message';
  }

  // Text as it came (an error's message): the same in both languages.
  const data = I18N.data;

  // One line at the top of #display-div: an event (data: its text as it
  // came) or a note for the reader (a key of the table, both languages).
  function line(content, className) {
    const div = document.getElementById('display-div');
    const p = document.createElement('p');
    if (typeof content === 'string') {
      p.textContent = content;
      p.dataset.noI18n = '';
    } else {
      p.append(content);
    }
    if (className) p.className = className;
    div.prepend(p);
    while (div.childElementCount > MAX_SHOWN) div.lastElementChild.remove();
  }

  // Show one answer: {"events":[...],"last":M,"missed"?,"reset"?,"more"?}
  function show(data) {
    if (data.missed) line(I18N.both('poll.missed', { n: data.missed }), 'note');
    if (data.reset) line(I18N.both('poll.reset'), 'note');
    for (const ev of data.events) {
      if (typeof Fault !== 'undefined') Fault.seen(ev);   // the fault buttons count repeats and probes
      if (ev.type === 'time') {
        document.getElementById('clock').textContent = ev.data;
      } else {
        line(`#${ev.id} ${ev.data}`, 'message');
      }
    }
  }

  // The status line: a key of the table and its parameters.
  function status(key, params) {
    document.getElementById('status').replaceChildren(I18N.both(key, params));
  }

  // An error on the status line: "error: " + its message + what happens
  // next (a key of the table and its parameters).
  function error(message, key, params) {
    document.getElementById('status').replaceChildren(I18N.both('poll.error'), data(message), I18N.both(key, params));
  }

  let requests = 0;
  function countRequest() {
    requests++;
    document.getElementById('requests').textContent = String(requests);
  }

  // Exponential backoff: 1 s, 2 s, 4 s, ... up to 30 s, reset by a success.
  function backoff(failures) {
    return Math.min(BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);
  }

  // The publish box: POST /publish with the text as the body.
  function setUpPublish() {
    const form = document.getElementById('publish-form');
    const input = document.getElementById('publish-text');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (input.value === '') return;
      try {
        const res = await fetch('/publish', { method: 'POST', body: input.value });
        if (!res.ok) throw new Error(await res.text());
        input.value = '';
      } catch (err) {
        const p = document.createDocumentFragment();
        p.append(I18N.both('poll.publishFailed'), data(err.message));
        line(p, 'error');
      }
    });
  }

  // The wire view and the fault buttons (wire.js, fault.js), after the page.
  function addPanels(wire, fault) {
    if (typeof Wire !== 'undefined') Wire.panel(wire);
    if (typeof Fault !== 'undefined') Fault.panel(fault);
  }

  return { param, typeParam, line, show, status, error, countRequest, backoff, setUpPublish, addPanels };
})();
