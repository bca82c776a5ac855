// bench/peers/nodejs-websocket-server.js - the article's own WebSocket
// server (§4.5 服务端代码实现, built on npm `nodejs-websocket`), adapted
// for the bench: it listens on a given port (0: the kernel picks) on
// 127.0.0.1 only, logs nothing per connection, and besides the article's
// echo it has a /hub path where a client's text is published to every
// /hub client as {"id":N,"type":"message","data":text}, as our /hub does.
// nodejs-websocket is a plain TCP server that speaks only WebSocket, so
// the fan-out is published with a WebSocket message (the bench's /hub
// publisher), not POST /publish.
// Prints "listening on http://127.0.0.1:PORT" on stderr, as ./server does.
'use strict';
const ws = require('nodejs-websocket');

let lastId = 0;

const wsServer = ws.createServer((conn) => {
  // ARTICLE §4.5: receive a text, answer with the article's sentence.
  conn.on('text', (text) => {
    if (conn.path === '/hub') {
      const json = JSON.stringify({ id: ++lastId, type: 'message', data: text });
      for (const c of wsServer.connections) if (c.path === '/hub') c.sendText(json);
    } else {
      conn.sendText(`服务端已收到信息，您的信息是${text}`);
    }
  });
  conn.on('error', () => {});   // the article logs; a bench stays quiet
  conn.on('close', () => {});
});

wsServer.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${wsServer.socket.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
