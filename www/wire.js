// wire.js - the wire view shared by every technique page (server: wire.c).
//
// GET /wire?tech=NAME gives the last 4096 bytes the server wrote for a
// technique, base64-encoded, and which connection wrote which run of them
// ("segments").  This file decodes them the way a client would and shows
// each part for what it is: the status line and header fields, chunk
// size lines (RFC 9112 section 7.1), chunk data, SSE field lines (WHATWG
// HTML "Server-sent events"; also the streamed reply's), NDJSON lines
// (fetch and XHR streaming), WebSocket frame headers bit by bit (RFC
// 6455 section 5.2).  Every byte is shown with textContent: CR and LF as
// \r and \n, other control bytes as \xHH.  The bytes are data (marked
// <samp>); the labels and the readings of frame headers are in Chinese
// and English (i18n.js).
//
//   Wire.panel({ tech: 'sse', parent, commands: ['curl -N --raw -i URL'] })
//
// adds a collapsible <details> panel to parent (default: the end of the
// body) and returns { refresh, element }.  Wire.decode(json) returns the
// decoded rows, for tests and the curious.
'use strict';

const Wire = (() => {
  const AUTO_MS = 2000;            // auto-refresh period while the panel is open
  const TEXT_PREVIEW = 600;        // characters of one body part shown before "…"
  const OPCODES = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
  const OPCODES_ZH = { 0: '延续帧', 1: '文本帧', 2: '二进制帧', 8: '关闭帧', 9: 'ping 帧', 10: 'pong 帧' };

  // A label or a reading of the bytes, in both languages.
  const pair = (en, zh) => ({ en, zh });

  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: false });

  function fromBase64(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // Bytes as readable text: UTF-8 where valid, \r \n \t and \xHH for the rest.
  function visible(bytes) {
    let s = dec.decode(bytes);
    s = s.replace(/\r/g, '\\r').replace(/\n/g, '\\n\n').replace(/\t/g, '\\t');
    // eslint-disable-next-line no-control-regex
    return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const bits = (b) => b.toString(2).padStart(8, '0');

  function indexOfSeq(bytes, seq, from) {
    outer: for (let i = from; i + seq.length <= bytes.length; i++) {
      for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) continue outer;
      return i;
    }
    return -1;
  }
  const CRLF = [13, 10];
  const CRLFCRLF = [13, 10, 13, 10];

  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  // ---- one connection's parser ---------------------------------------------
  // A row: { kind, label, text } (kind picks the colour; text is shown as is).
  // mode: start | body-chunked | body-length | raw | ws ; carry: an
  // incomplete header (size line, frame header) waiting for more bytes.

  function newConn(tech) {
    return { tech, mode: 'start', carry: new Uint8Array(0), chunkLeft: 0, chunkCrlf: 0, lengthLeft: 0, frameLeft: 0, frameOp: 0 };
  }

  const SSE_TECHS = new Set(['sse', 'stream_reply']);
  const NDJSON_TECHS = new Set(['fetch_stream', 'xhr_stream']);

  // NDJSON: one JSON text per line; an event has an id, a notice has none.
  function ndjsonRows(bytes, rows) {
    const lines = dec.decode(bytes).split('\n');
    lines.forEach((line, i) => {
      const last = i === lines.length - 1;           // no \n yet: continues in the next part
      if (last && line === '') return;
      let label = pair('NDJSON line (part of one)', 'NDJSON 行（不完整，后半行在下一段）');
      if (!last) {
        try {
          const obj = JSON.parse(line);
          label = typeof obj.id === 'number'
            ? pair(`NDJSON line: event #${obj.id} (${obj.type})`, `NDJSON 行：事件 #${obj.id}（${obj.type}）`)
            : pair(`NDJSON line: notice "${obj.notice}"`, `NDJSON 行：通知 "${obj.notice}"`);
        } catch (e) {
          label = pair('NDJSON line (the rest of one)', 'NDJSON 行（上一段那一行的后半部分）');
        }
      }
      const text = line + (last ? '' : '\\n');
      rows.push({ kind: 'ndjson', label, text: text.length > TEXT_PREVIEW ? text.slice(0, TEXT_PREVIEW) + ' …' : text });
    });
  }

  // What a body part holds, per technique.
  function bodyRows(st, bytes, rows) {
    const text = visible(bytes);
    if (NDJSON_TECHS.has(st.tech)) {
      ndjsonRows(bytes, rows);
      return;
    }
    if (SSE_TECHS.has(st.tech)) {
      // SSE: field lines "name: value", blank line = end of an event.
      const lines = dec.decode(bytes).split('\n');
      lines.forEach((line, i) => {
        if (i === lines.length - 1 && line === '') return;
        const last = i === lines.length - 1;          // no \n yet: continues in the next part
        if (line === '') rows.push({ kind: 'sse-end', label: pair('blank line: dispatch the event', '空行：派发这个事件'), text: '\\n' });
        else if (line.startsWith(':')) rows.push({ kind: 'sse-comment', label: pair('comment (ignored)', '注释（浏览器忽略）'), text: line + (last ? '' : '\\n') });
        else {
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          rows.push({ kind: 'sse-field', label: pair(`field "${name}"`, `字段 "${name}"`), text: line + (last ? '' : '\\n') });
        }
      });
      return;
    }
    rows.push({ kind: 'body', label: pair(`body, ${bytes.length} bytes`, `响应体，${bytes.length} 字节`), text: text.length > TEXT_PREVIEW ? text.slice(0, TEXT_PREVIEW) + ' …' : text });
  }

  function parseHead(st, bytes, rows) {
    const end = indexOfSeq(bytes, CRLFCRLF, 0);
    if (end < 0) return -1;
    const lines = dec.decode(bytes.subarray(0, end)).split('\r\n');
    rows.push({ kind: 'status', label: pair('status line', '状态行'), text: lines[0] + '\\r\\n' });
    let chunked = false, length = null;
    const status = Number(lines[0].split(' ')[1]);
    for (const line of lines.slice(1)) {
      rows.push({ kind: 'header', label: pair('header field', '头部字段'), text: line + '\\r\\n' });
      const m = /^([^:]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      const name = m[1].toLowerCase();
      if (name === 'transfer-encoding' && /chunked/i.test(m[2])) chunked = true;
      if (name === 'content-length') length = Number(m[2]);
    }
    rows.push({ kind: 'header', label: pair('end of the head', '空行：头部结束'), text: '\\r\\n' });
    if (status === 101) st.mode = 'ws';
    else if (status === 100 || status === 204 || status === 304) st.mode = 'start';
    else if (chunked) st.mode = 'body-chunked';
    else if (length !== null) { st.mode = length > 0 ? 'body-length' : 'start'; st.lengthLeft = length; }
    else st.mode = 'raw';
    return end + 4;
  }

  // One WebSocket frame header (RFC 6455 section 5.2), or -1 if incomplete.
  function parseFrameHeader(st, bytes, at, rows) {
    if (bytes.length - at < 2) return -1;
    const b0 = bytes[at], b1 = bytes[at + 1];
    let len = b1 & 0x7f, n = 2, form = pair('7-bit length', '7 位长度');
    if (len === 126) { n = 4; form = pair('16-bit extended length (126 + 2 bytes)', '16 位扩展长度（126 + 2 字节）'); }
    if (len === 127) { n = 10; form = pair('64-bit extended length (127 + 8 bytes)', '64 位扩展长度（127 + 8 字节）'); }
    const masked = (b1 & 0x80) !== 0;
    if (masked) n += 4;
    if (bytes.length - at < n) return -1;
    if (len === 126) len = (bytes[at + 2] << 8) | bytes[at + 3];
    if (len === 127) { len = 0; for (let i = 2; i < 10; i++) len = len * 256 + bytes[at + i]; }
    const op = b0 & 0x0f;
    const flags = `FIN=${b0 >> 7} RSV1=${(b0 >> 6) & 1} RSV2=${(b0 >> 5) & 1} RSV3=${(b0 >> 4) & 1} opcode=0x${op.toString(16)}`;
    const length = `MASK=${masked ? 1 : 0}`;
    const value = `${b1 & 0x7f}${(b1 & 0x7f) >= 126 ? ` → ${len}` : ''}`;
    const head = hex(bytes.subarray(at, at + n));
    rows.push({
      kind: 'ws-header',
      label: pair(`frame header, ${n} bytes: ${head}`, `帧头，${n} 字节：${head}`),
      // A reading of the header, not bytes as sent: in both languages.
      reading: pair(
        `byte 0 = ${bits(b0)}: ${flags} (${OPCODES[op] || 'reserved'})\n` +
        `byte 1 = ${bits(b1)}: ${length} payload length=${value} (${form.en})` +
        (masked ? '\nmasking key present (a server never masks: RFC 6455 section 5.1)' : ''),
        `第 0 字节 = ${bits(b0)}：${flags}（${OPCODES_ZH[op] || '保留'}）\n` +
        `第 1 字节 = ${bits(b1)}：${length} 载荷长度=${value}（${form.zh}）` +
        (masked ? '\n带有掩码键（服务端从不加掩码：RFC 6455 第 5.1 节）' : '')),
    });
    st.frameLeft = len;
    st.frameOp = op;
    return at + n;
  }

  function framePayloadRow(st, bytes, rows) {
    const op = st.frameOp;
    const label = pair(`payload (${OPCODES[op] || 'op ' + op}), ${bytes.length} bytes`,
                       `载荷（${OPCODES_ZH[op] || 'op ' + op}），${bytes.length} 字节`);
    if (op === 8 && bytes.length >= 2) {
      const code = (bytes[0] << 8) | bytes[1];
      rows.push({ kind: 'ws-payload', label, reading: pair(`status code ${code}, reason:`, `状态码 ${code}，原因：`),
                  text: `"${visible(bytes.subarray(2))}"` });
      return;
    }
    rows.push({ kind: 'ws-payload', label, text: op === 1 || op === 0 ? visible(bytes) : hex(bytes) });
  }

  // Where a decodable unit starts in bytes of unknown alignment: a status
  // line, a chunk size line right after a chunk's CRLF (whose chunk ends
  // with CRLF where its size says), or a server frame header (FIN set, no
  // mask) followed by another one or by the end of the bytes.
  const FRAME_FIRST = new Set([0x81, 0x82, 0x88, 0x89, 0x8a]);
  function chunkAt(bytes, i) {
    const m = /^([0-9a-f]{1,6})\r\n/.exec(dec.decode(bytes.subarray(i, i + 8)));
    if (!m) return false;
    const end = i + m[0].length + parseInt(m[1], 16);
    return end + 2 > bytes.length || (bytes[end] === 13 && bytes[end + 1] === 10);
  }
  function frameAt(bytes, i) {
    if (!FRAME_FIRST.has(bytes[i]) || i + 1 >= bytes.length || (bytes[i + 1] & 0x80)) return false;
    let len = bytes[i + 1], n = 2;
    if (len === 126) { if (i + 4 > bytes.length) return false; len = (bytes[i + 2] << 8) | bytes[i + 3]; n = 4; }
    if (len === 127) return false;   // 64-bit lengths never fit a 4 KiB ring
    const next = i + n + len;
    return next === bytes.length || (next < bytes.length && FRAME_FIRST.has(bytes[next]));
  }
  function resync(tech, bytes, alignedStart) {
    const h = indexOfSeq(bytes, enc.encode('HTTP/1.'), 0);
    const limit = h < 0 ? bytes.length : h;
    for (let i = 0; i < limit; i++) {
      if (tech === 'websocket' && frameAt(bytes, i)) return { at: i, mode: 'ws' };
      if (tech !== 'websocket' && ((i === 0 && alignedStart) || (i >= 2 && bytes[i - 2] === 13 && bytes[i - 1] === 10)) && chunkAt(bytes, i))
        return { at: i, mode: 'body-chunked' };
    }
    return { at: limit, mode: h < 0 ? 'unknown' : 'start' };
  }

  // Feed one segment's bytes; push rows.  `cut`: its start left the ring.
  function feed(st, seg, rows) {
    let bytes = concat(st.carry, seg.bytes);
    st.carry = new Uint8Array(0);
    let at = 0;
    if (seg.cut || st.mode === 'unknown') {
      // We do not know where in the stream these bytes begin (their
      // start left the ring): show them raw up to the first boundary we
      // can recognise, and decode from there.
      const r = resync(st.tech, bytes, !seg.cut);
      if (r.at > 0) rows.push({ kind: 'cut', label: pair(`${r.at} bytes whose start left the 4096-byte ring (not decoded)`, `${r.at} 字节：开头已移出 4096 字节的环形缓冲区（不解码）`), text: visible(bytes.subarray(0, r.at)).slice(-TEXT_PREVIEW) });
      at = r.at;
      st.mode = r.mode;
    }
    while (at < bytes.length) {
      if (st.mode === 'start') {
        const n = parseHead(st, bytes.subarray(at), rows);
        if (n < 0) { st.carry = bytes.slice(at); return; }
        at += n;
      } else if (st.mode === 'body-length') {
        const n = Math.min(st.lengthLeft, bytes.length - at);
        bodyRows(st, bytes.subarray(at, at + n), rows);
        st.lengthLeft -= n;
        at += n;
        if (st.lengthLeft === 0) st.mode = 'start';
      } else if (st.mode === 'body-chunked') {
        if (st.chunkLeft > 0) {
          const n = Math.min(st.chunkLeft, bytes.length - at);
          bodyRows(st, bytes.subarray(at, at + n), rows);
          st.chunkLeft -= n;
          at += n;
          if (st.chunkLeft === 0) st.chunkCrlf = 2;
        } else if (st.chunkCrlf > 0) {
          const n = Math.min(st.chunkCrlf, bytes.length - at);
          rows.push({ kind: 'chunk', label: pair('end of chunk data', '分块数据结束'), text: '\\r\\n' });
          st.chunkCrlf -= n;
          at += n;
        } else {
          const eol = indexOfSeq(bytes, CRLF, at);
          if (eol < 0) { st.carry = bytes.slice(at); return; }
          const line = dec.decode(bytes.subarray(at, eol));
          const size = parseInt(line, 16);
          if (!/^[0-9a-fA-F]+$/.test(line)) { st.mode = 'unknown'; rows.push({ kind: 'cut', label: pair('not a chunk size line', '不是分块大小行'), text: visible(bytes.subarray(at)) }); return; }
          at = eol + 2;
          if (size === 0) {
            rows.push({ kind: 'chunk', label: pair('last chunk: size 0, the body ends', '最后一个分块：大小为 0，响应体结束'), text: `${line}\\r\\n` });
            st.chunkCrlf = 2;      // the empty trailer line
            st.mode = 'trailer';
          } else {
            rows.push({ kind: 'chunk', label: pair(`chunk size line: 0x${line} = ${size} bytes follow`, `分块大小行：0x${line}，即后面有 ${size} 字节`), text: `${line}\\r\\n` });
            st.chunkLeft = size;
          }
        }
      } else if (st.mode === 'trailer') {
        rows.push({ kind: 'chunk', label: pair('empty trailer: end of the response', '空的 trailer 部分：响应结束'), text: '\\r\\n' });
        at += Math.min(2, bytes.length - at);
        st.mode = 'start';
      } else if (st.mode === 'ws') {
        if (st.frameLeft > 0) {
          const n = Math.min(st.frameLeft, bytes.length - at);
          framePayloadRow(st, bytes.subarray(at, at + n), rows);
          st.frameLeft -= n;
          at += n;
        } else {
          const n = parseFrameHeader(st, bytes, at, rows);
          if (n < 0) { st.carry = bytes.slice(at); return; }
          at = n;
          if (st.frameLeft === 0) rows.push({ kind: 'ws-payload', label: pair('payload: empty', '载荷：空'), text: '' });
        }
      } else {   // raw: a close-delimited body (HTTP/1.0), or unknown
        bodyRows(st, bytes.subarray(at), rows);
        at = bytes.length;
      }
    }
  }

  // Decode a /wire answer into [{ conn, len, cut, rows }] in stream order.
  function decode(json) {
    const bytes = fromBase64(json.base64);
    const conns = new Map();
    const out = [];
    let at = 0;
    for (const s of json.segments) {
      const seg = { conn: s.conn, cut: !!s.cut || s.conn === 0, bytes: bytes.subarray(at, at + s.len) };
      at += s.len;
      if (!conns.has(s.conn)) {
        const st = newConn(json.tech);
        if (!seg.cut && !(seg.bytes[0] === 0x48 && seg.bytes[1] === 0x54)) st.mode = 'unknown';   // not "HT"
        conns.set(s.conn, st);
      }
      const rows = [];
      feed(conns.get(s.conn), seg, rows);
      out.push({ conn: s.conn, len: s.len, cut: seg.cut, rows });
    }
    return out;
  }

  // ---- the panel ------------------------------------------------------------
  // el() and addStyle() also build fault.js's panel (loaded after this file).
  // text: a string (shown as is), a Node (such as I18N.both(key)), or a
  // pair { en, zh } (shown in both languages, switched by i18n.js's rule).
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.append(content(text));
    return e;
  }
  function content(text) {
    if (text instanceof Node) return text;
    if (text && typeof text === 'object') return I18N.both(text);
    return String(text);
  }

  const styled = new Set();
  function addStyle(css) {   // once per style sheet, however many panels
    if (styled.has(css)) return;
    styled.add(css);
    const style = document.createElement('style');
    style.textContent = css;
    document.head.append(style);
  }

  const WIRE_CSS = `
.wire { border: 1px solid #cbd; border-radius: 4px; margin: .8rem 0; padding: .3rem .6rem; background: #fbfbfe; font-size: .88rem; }
.wire summary { cursor: pointer; font-weight: bold; }
.wire .cmd { display: block; font: .82rem/1.4 ui-monospace, monospace; background: #222; color: #eee; padding: .3rem .5rem; border-radius: 3px; white-space: pre-wrap; word-break: break-all; margin: .2rem 0; }
.wire .meta { color: #555; margin-left: .5rem; }
.wire .segs { max-height: 28rem; overflow: auto; border-top: 1px solid #ddd; margin-top: .3rem; }
.wire .seg { border-bottom: 1px dashed #ccd; padding: .2rem 0; }
.wire .seg-title { color: #666; font-size: .8rem; }
.wire .row { display: grid; grid-template-columns: 15rem 1fr; gap: .5rem; }
.wire .row .label { color: #555; font-size: .8rem; }
.wire .row .bytes { font: .8rem/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
.wire .status .bytes { color: #06a; font-weight: bold; } .wire .header .bytes { color: #036; }
.wire .chunk .bytes { color: #b50; font-weight: bold; background: #fff1e0; }
.wire .ws-header .bytes { color: #707; background: #f7ecff; } .wire .sse-field .bytes { color: #064; }
.wire .ndjson .bytes { color: #054; }
.wire .sse-end .bytes { color: #b00; } .wire .sse-comment .bytes { color: #888; } .wire .cut .bytes { color: #999; }
.wire .esc { background: #ffe08a; border-radius: 2px; }`;

  I18N.add({
    'wire.title': { en: 'wire view: the last bytes the server sent for “{tech}”', zh: '线上字节视图：服务端为「{tech}」最后发出的字节' },
    'wire.intro': { en: 'The same bytes from a terminal (these commands use this page’s real host and port):',
                    zh: '在终端里看同样的字节（命令里用的就是本页实际的主机和端口）：' },
    'wire.refresh': { en: 'refresh', zh: '刷新' },
    'wire.auto': { en: 'every {s} s while open', zh: '展开时每 {s} 秒自动刷新' },
    'wire.note': {
      en: 'Newest first. The server keeps the last 4096 bytes per technique, from every client of it (each run is labelled with its connection number); a run whose start has left the ring is shown undecoded. Chunked bodies are shown as sent: size lines (hex) apart from the data.',
      zh: '最新的在最上面。服务端为每种技术保留最后 4096 字节，来自这种技术的所有客户端（每一段都标出所属连接的编号）；开头已移出环形缓冲区的一段不解码，原样显示。分块传输编码的响应体按发送时的样子显示：分块大小行（十六进制）和数据分开列出。',
    },
    'wire.off': { en: 'the wire view is off (the server was started with -W)', zh: '线上字节视图已关闭（服务端以 -W 启动）' },
    'wire.kept': { en: '{total} bytes written in all, the last {kept} kept (at most {capacity})',
                   zh: '共写出 {total} 字节，保留最后 {kept} 字节（上限 {capacity}）' },
    'wire.failed': { en: 'reading /wire failed:', zh: '读取 /wire 失败：' },
    'wire.empty': { en: 'nothing written for this technique yet', zh: '服务端还没有为这种技术写出任何字节' },
    'wire.seg': { en: 'connection #{conn} · {len} bytes', zh: '连接 #{conn} · {len} 字节' },
    'wire.seg-cut': { en: ' · its start left the ring', zh: ' · 开头已移出环形缓冲区' },
  });

  // One cell in both languages: the Chinese element first, so that the
  // English label runs straight into the bytes in a row's textContent
  // (what the page tests read: 'field "data"data: …').
  function pairCell(className, p) {
    const frag = document.createDocumentFragment();
    for (const [lang, text] of [['zh-CN', p.zh], ['en', p.en]]) {
      const span = el('span', className, text);
      span.lang = lang;
      frag.append(span);
    }
    return frag;
  }

  // The bytes as sent (data: <samp>), the escapes the server wrote
  // marked: \u003c, \u2028, <\/ ...
  function bytesCell(row) {
    const cell = el('samp', 'bytes');
    const re = /\\u[0-9a-fA-F]{4}|<\\\//g;
    let last = 0, m;
    while ((m = re.exec(row.text)) !== null) {
      cell.append(row.text.slice(last, m.index), el('span', 'esc', m[0]));
      last = m.index + m[0].length;
    }
    cell.append(row.text.slice(last));
    return cell;
  }

  function render(box, decoded, maxSegments) {
    box.replaceChildren();
    const shown = decoded.slice(-maxSegments);
    if (shown.length === 0) box.append(el('p', 'seg-title', I18N.both('wire.empty')));
    for (const seg of shown.reverse()) {          // newest first
      const div = el('div', 'seg');
      div.dataset.conn = String(seg.conn);
      const title = el('div', 'seg-title', I18N.both('wire.seg', { conn: seg.conn || '?', len: seg.len }));
      if (seg.cut) title.append(I18N.both('wire.seg-cut'));
      div.append(title);
      for (const row of seg.rows) {
        const r = el('div', `row ${row.kind}`);
        r.append(pairCell('label', row.label));
        if (row.reading) {
          const cell = el('span', 'bytes reading');
          cell.append(pairCell('', row.reading));
          if (row.text !== undefined) cell.append(' ', bytesCell(row));
          r.append(cell);
        } else {
          r.append(bytesCell(row));
        }
        div.append(r);
      }
      box.append(div);
    }
  }

  function panel({ tech, parent = document.body, commands = [], title, maxSegments = 40 }) {
    addStyle(WIRE_CSS);
    const details = el('details', 'wire');
    details.dataset.tech = tech;
    const summary = el('summary', null, title || I18N.both('wire.title', { tech }));
    summary.append(' · ', el('code', null, `GET /wire?tech=${tech}`));
    const intro = el('p', null, I18N.both('wire.intro'));
    const cmds = commands.concat([`curl -s '${location.origin}/wire?tech=${tech}' | jq -r .base64 | base64 -d`]);
    const cmdBox = el('div');
    for (const c of cmds) cmdBox.append(el('code', 'cmd', c));
    const bar = el('p');
    const refresh = el('button', null, I18N.both('wire.refresh'));
    refresh.type = 'button';
    const autoLabel = el('label');
    const auto = el('input');
    auto.type = 'checkbox';
    auto.checked = true;
    autoLabel.append(auto, ' ', I18N.both('wire.auto', { s: AUTO_MS / 1000 }));
    const meta = el('span', 'meta', '');
    bar.append(refresh, ' ', autoLabel, meta);
    const note = el('p', 'meta', I18N.both('wire.note'));
    const box = el('div', 'segs');
    details.append(summary, intro, cmdBox, bar, note, box);
    parent.append(details);

    const state = { last: null, decoded: [] };
    const setMeta = (...parts) => meta.replaceChildren(' ', ...parts);
    async function load() {
      try {
        const res = await fetch(`/wire?tech=${encodeURIComponent(tech)}`, { cache: 'no-store' });
        if (res.status === 404) { setMeta(I18N.both('wire.off')); return; }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const json = await res.json();
        state.last = json;
        state.decoded = decode(json);
        setMeta(I18N.both('wire.kept', { total: json.bytes_total, kept: json.kept, capacity: json.capacity }));
        render(box, state.decoded, maxSegments);
      } catch (e) {
        setMeta(I18N.both('wire.failed'), ' ', el('samp', null, e.message));
      }
    }
    refresh.addEventListener('click', load);
    details.addEventListener('toggle', () => { if (details.open) load(); });
    setInterval(() => { if (details.open && auto.checked) load(); }, AUTO_MS);
    return { element: details, refresh: load, state };
  }

  // The terminal command that shows a technique's bytes, for a server origin.
  function command(tech, origin) {
    const u = new URL(origin);
    const enc = encodeURIComponent(location.origin);
    switch (tech) {
    case 'short_poll': return `curl -si '${origin}/poll?after=0&type=message'`;
    case 'long_poll': return `curl -si '${origin}/poll?after=0&wait=25&type=message'`;
    case 'iframe_poll': return `curl -si '${origin}/poll/iframe?after=0&wait=0&origin=${enc}'`;
    case 'jsonp_poll': return `curl -si '${origin}/poll/jsonp?after=0&wait=0&callback=cb'`;
    case 'forever_frame': return `curl -N --raw -i '${origin}/iframeLongConnection?origin=${enc}'`;
    case 'sse': return `curl -N --raw -i '${origin}/sseStream'`;
    case 'fetch_stream': return `curl -N --raw -i '${origin}/stream'`;
    case 'xhr_stream': return `curl -N --raw -i '${origin}/stream/xhr?limit=2000'`;
    case 'stream_reply': return `curl -N --raw -i --data-binary 'hello' '${origin}/stream/reply'`;
    case 'websocket':
      return `printf 'GET /hub HTTP/1.1\\r\\nHost: ${u.host}\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n' | nc ${u.hostname} ${u.port || 80} | od -A d -c`;
    default: return `curl -si '${origin}/'`;
    }
  }

  return { panel, decode, visible, command, el, content, addStyle };
})();
