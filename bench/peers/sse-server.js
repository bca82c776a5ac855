// bench/peers/sse-server.js - the article's SSE server (§5.3 服务端代码实现,
// plain Node http), adapted for the bench:
//   - it listens on a given port (0: the kernel picks) on 127.0.0.1;
//   - POST /publish sends its body to every stream, written the article's
//     way (one res.write per field), answering {"id":N};
//   - the stray blank line after the article's "id:" field is gone (with it
//     the event type and id dispatch as an empty event and are lost), and
//     each stream keeps its own timer (the article's shared `interval`
//     variable clears the wrong one when a client leaves).
// The article's per-connection clock (a date each second) is kept: our
// server sends its clock each second too.
// Prints "listening on http://127.0.0.1:PORT" on stderr, as ./server does.
'use strict';
const http = require('http');

let lastId = 0;
const streams = new Set();

const server = http.createServer((req, res) => {
  if (req.url === '/sseStream') {
    // ARTICLE §5.3
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('retry: 10000\n');
    res.write('event: testEvent\n');
    res.write('id: testId\n');
    res.write('data: ' + new Date() + '\n\n');
    const interval = setInterval(() => {
      res.write('event: message\n');
      res.write('id: messageId\n');
      res.write('data: ' + new Date() + '\n\n');
    }, 1000);
    streams.add(res);
    req.socket.on('close', () => { clearInterval(interval); streams.delete(res); });
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const id = ++lastId;
      for (const s of streams) {
        s.write('event: message\n');
        s.write('id: ' + id + '\n');
        s.write('data: ' + text + '\n\n');
      }
      const body = JSON.stringify({ id }) + '\n';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
