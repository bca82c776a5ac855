// i18n.js - every page in Chinese and English (issue 14), no dependency.
//
// Load it first, synchronously, in <head>:  <script src="i18n.js"></script>
// It picks the language before the body is parsed, so no text of the
// other language ever shows:
//
//   1. ?lang=zh (or zh-CN) / ?lang=en in the URL: this page view only,
//      not stored (a link may ask for a language without changing the
//      reader's own choice);
//   2. else the reader's stored choice: localStorage "lang" = zh | en,
//      written only by the toggle (or I18N.set);
//   3. else navigator.languages: any entry starting with "zh" gives Chinese;
//   4. else English.
//
// and sets <html lang> to "zh-CN" or "en".  Both texts are in the markup,
// each marked with its language, and one CSS rule (injected below) hides
// the one not chosen:
//
//   <p lang="en">The server holds the request.</p>
//   <p lang="zh-CN">服务端挂起这个请求。</p>
//   <h2 lang="zh-CN" data-article>轮询的形式</h2>   the article's own words: never hidden
//
// Code, identifiers, wire bytes and data stay as they are, in code, pre,
// kbd, samp or an element marked data-no-i18n.
//
// Attributes (title, placeholder, aria-label, value ...) and the text of
// elements CSS cannot hide (<title>, <option>, SVG <text>) take both
// values in data attributes, set on every switch:
//
//   <input data-en-placeholder="your message" data-zh-placeholder="你的消息">
//   <title data-en-text="Annotated source" data-zh-text="带注释的源码">Annotated source</title>
//
// Scripts:
//
//   I18N.add({ key: { en: 'held for {s} s', zh: '已挂起 {s} 秒' } });
//   status.replaceChildren(I18N.both('key', { s: 25 }));  // both spans: CSS switches them
//   input.placeholder = I18N.t('key', { s: 25 });         // the current language's string
//   I18N.onChange((lang) => { ... });                     // after each switch: 'zh' | 'en'
//   line.append(I18N.both('key'), I18N.data(url));      // data beside, never inside
//   label.append(I18N.article('开始连接'));             // the article's words, both languages
//   I18N.lang(); I18N.set('zh');
//
// both() and t() also take an inline pair, both({ en: '…', zh: '…' }, params),
// for a string used in one place only.  A missing key is a bug: t()
// returns the key and logs console.error (the browser tests fail on it).
//
// The toggle (#lang-toggle, "中文 | English", fixed in the top right
// corner) is added at the start of <body>.  A switch never reloads the
// page: connections, counters and logs carry on.
'use strict';

(function () {
  const STORE_KEY = 'lang';
  const HTML_LANG = { zh: 'zh-CN', en: 'en' };
  const ATTR_RE = /^data-(en|zh)-(.+)$/;

  // "zh", "zh-CN" (any case) or "en": the language it names, else null.
  function parseLang(value) {
    const v = String(value || '').toLowerCase();
    if (v === 'zh' || v === 'zh-cn') return 'zh';
    if (v === 'en') return 'en';
    return null;
  }

  function urlLang() {
    try {
      return parseLang(new URLSearchParams(location.search).get('lang'));
    } catch (e) {
      return null;
    }
  }

  // Storage can be refused (a file: page, a privacy setting): then the
  // choice lasts as long as the page.
  function storedLang() {
    try {
      return parseLang(localStorage.getItem(STORE_KEY));
    } catch (e) {
      return null;
    }
  }

  function store(lang) {
    try {
      localStorage.setItem(STORE_KEY, lang);
    } catch (e) {
      // not stored; the page still switches
    }
  }

  function browserLang() {
    const list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    return list.some((l) => /^zh/i.test(l)) ? 'zh' : 'en';
  }

  let current = urlLang() || storedLang() || browserLang();
  document.documentElement.lang = HTML_LANG[current];

  // The one rule: hide the language not chosen.  The article's own words
  // (data-article) are Chinese in both.
  const style = document.createElement('style');
  style.id = 'i18n-style';
  style.textContent =
    'html[lang="zh-CN"] [lang="en"]:not(html),\n' +
    'html[lang="en"] [lang="zh-CN"]:not(html):not([data-article]) { display: none !important; }\n' +
    // Room above each page's first line for the toggle, so it covers
    // nothing before the reader scrolls (html body: above a page's own
    // body padding).
    'html body { padding-top: 1.5rem; }\n' +
    '#lang-toggle { position: fixed; top: 0; right: 0; z-index: 2147483000; margin: 0; padding: .1rem .45rem;' +
    ' font: 12px/1.6 system-ui, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; color: #555;' +
    ' background: rgba(255, 255, 255, .92); border: 1px solid #ddd; border-top: 0; border-right: 0; border-radius: 0 0 0 4px; }\n' +
    '#lang-toggle button { font: inherit; color: #06c; background: none; border: 0; padding: 0 .15rem; cursor: pointer; }\n' +
    '#lang-toggle button[aria-pressed="true"] { color: #222; font-weight: bold; cursor: default; }\n' +
    '#lang-toggle button:focus-visible { outline: 2px solid #06c; }\n';
  (document.head || document.documentElement).append(style);

  // ---- strings for scripts -----------------------------------------------
  const table = Object.create(null);
  const listeners = [];

  function add(strings) {
    for (const [key, pair] of Object.entries(strings)) {
      if (!pair || typeof pair.en !== 'string' || typeof pair.zh !== 'string') {
        console.error(`I18N.add: "${key}" needs both an en and a zh string`);
        continue;
      }
      table[key] = pair;
    }
  }

  function pairOf(key) {
    if (key && typeof key === 'object' && typeof key.en === 'string' && typeof key.zh === 'string') return key;
    const pair = table[key];
    if (!pair) console.error(`I18N: no string "${key}" (add it with I18N.add)`);
    return pair || null;
  }

  function fill(template, params, key) {
    if (!params) return template;
    return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) => {
      if (Object.prototype.hasOwnProperty.call(params, name)) return String(params[name]);
      console.error(`I18N: string "${typeof key === 'string' ? key : template}" has no value for {${name}}`);
      return whole;
    });
  }

  function t(key, params) {
    const pair = pairOf(key);
    if (!pair) return String(key);
    return fill(pair[current], params, key);
  }

  function both(key, params) {
    const frag = document.createDocumentFragment();
    const pair = pairOf(key);
    if (!pair) {
      frag.append(String(key));
      return frag;
    }
    for (const lang of ['en', 'zh']) {
      const span = document.createElement('span');
      span.lang = HTML_LANG[lang];
      span.textContent = fill(pair[lang], params, key);
      frag.append(span);
    }
    return frag;
  }

  // ---- pieces of a line that stay as they are -----------------------------
  // Data as it came (a URL, an error's message, what someone published):
  // the same in both languages, never put inside a translated string.
  function data(text) {
    const span = document.createElement('span');
    span.dataset.noI18n = '';
    span.textContent = String(text);   // text, never HTML
    return span;
  }

  // The article's own words (a heading, a button label): Chinese, shown in
  // both languages.
  function article(text) {
    const span = document.createElement('span');
    span.lang = HTML_LANG.zh;
    span.dataset.article = '';
    span.textContent = String(text);
    return span;
  }

  // ---- attributes and texts CSS cannot switch ----------------------------
  function applyTo(el) {
    for (const attr of Array.from(el.attributes)) {
      const m = ATTR_RE.exec(attr.name);
      if (!m || m[1] !== current) continue;
      if (m[2] === 'text') el.textContent = attr.value;
      else el.setAttribute(m[2], attr.value);
    }
  }

  // Every element under root (and root) with a data-en-* / data-zh-* pair.
  function apply(root) {
    const top = root || document;
    if (top.nodeType === 1) applyTo(top);
    for (const el of top.querySelectorAll('*')) {
      if (el.attributes.length > 0) applyTo(el);
    }
  }

  // ---- the toggle -----------------------------------------------------------
  let toggle = null;

  function updateToggle() {
    if (!toggle) return;
    for (const lang of ['zh', 'en']) {
      toggle.querySelector(`#lang-${lang}`).setAttribute('aria-pressed', String(lang === current));
    }
  }

  function buildToggle() {
    if (toggle || !document.body) return;
    toggle = document.createElement('div');
    toggle.id = 'lang-toggle';
    toggle.setAttribute('role', 'group');
    toggle.setAttribute('aria-label', '语言 / Language');
    toggle.dataset.noI18n = '';
    // lang="zh" and "en-US" name each label's language for a screen
    // reader without matching the hiding rule's [lang="zh-CN"] / [lang="en"]:
    // both labels show in both languages.
    const labels = { zh: ['中文', 'zh'], en: ['English', 'en-US'] };
    for (const lang of ['zh', 'en']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.id = `lang-${lang}`;
      b.lang = labels[lang][1];
      b.textContent = labels[lang][0];
      b.addEventListener('click', () => set(lang));
      toggle.append(b);
      if (lang === 'zh') toggle.append(' | ');
    }
    document.body.prepend(toggle);
    updateToggle();
  }

  // ---- switching ------------------------------------------------------------
  function set(lang) {
    const next = parseLang(lang);
    if (!next) {
      console.error(`I18N.set: unknown language "${lang}" (zh or en)`);
      return;
    }
    store(next);
    if (next === current) return;
    current = next;
    document.documentElement.lang = HTML_LANG[current];
    const url = new URL(location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.set('lang', current);
      history.replaceState(history.state, '', url.href);
    }
    apply(document);
    updateToggle();
    for (const fn of listeners.slice()) {
      try {
        fn(current);
      } catch (e) {
        // One broken listener must not stop the others; still a page error.
        setTimeout(() => { throw e; });
      }
    }
  }

  function onChange(fn) {
    if (typeof fn !== 'function') throw new TypeError('I18N.onChange needs a function');
    listeners.push(fn);
  }

  window.I18N = {
    lang: () => current,
    set,
    add,
    t,
    both,
    data,
    article,
    onChange,
    apply,
  };

  // <title> and anything else in <head> parsed so far; the body once parsed.
  apply(document);
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => {
      apply(document);
      buildToggle();
    });
  } else {
    buildToggle();
  }
})();
