// poll-common.js - what the four polling pages share (server: poll.c).
//
// Showing events, the publish box, the request counter and the retry
// delay.  Everything that comes from the server is shown with
// textContent, never innerHTML: a message is text, whatever it contains.
'use strict';

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

  function line(text, className) {
    const div = document.getElementById('display-div');
    const p = document.createElement('p');
    p.textContent = text;
    if (className) p.className = className;
    div.prepend(p);
    while (div.childElementCount > MAX_SHOWN) div.lastElementChild.remove();
  }

  // Show one answer: {"events":[...],"last":M,"missed"?,"reset"?,"more"?}
  function show(data) {
    if (data.missed) line(`(${data.missed} events left the server's ring before this poll: missed)`, 'note');
    if (data.reset) line('(the server restarted: cursor reset)', 'note');
    for (const ev of data.events) {
      if (typeof Fault !== 'undefined') Fault.seen(ev);   // the fault buttons count repeats and probes
      if (ev.type === 'time') {
        document.getElementById('clock').textContent = ev.data;
      } else {
        line(`#${ev.id} ${ev.data}`, 'message');
      }
    }
  }

  function status(text) {
    document.getElementById('status').textContent = text;
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
        line(`publish failed: ${err.message}`, 'error');
      }
    });
  }

  // The wire view and the fault buttons (wire.js, fault.js), after the page.
  function addPanels(wire, fault) {
    if (typeof Wire !== 'undefined') Wire.panel(wire);
    if (typeof Fault !== 'undefined') Fault.panel(fault);
  }

  return { param, typeParam, line, show, status, countRequest, backoff, setUpPublish, addPanels };
})();
