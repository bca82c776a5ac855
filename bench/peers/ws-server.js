// bench/peers/ws-server.js - the peer built on npm `ws` (8.x), the most
// used Node WebSocket library, doing what our server does on the routes
// the bench measures:
//   /testSocket  the article's echo (§4.5): "服务端已收到信息，您的信息是" + text
//   /hub         every message sent by a client is published to every /hub
//                client as {"id":N,"type":"message","data":text}
//   POST /publish  publishes its body the same way (answers {"id":N})
// Usage: node ws-server.js [PORT]   (0 or nothing: the kernel picks)
// Prints "listening on http://127.0.0.1:PORT" on stderr, as ./server does.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const prefix = '服务端已收到信息，您的信息是';
let lastId = 0;
const hub = new Set();

function publish(text) {
  const json = JSON.stringify({ id: ++lastId, type: 'message', data: text });
  for (const client of hub) client.send(json);
  return lastId;
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const id = publish(Buffer.concat(parts).toString('utf8'));
      const body = JSON.stringify({ id }) + '\n';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/testSocket' && req.url !== '/hub') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {});
    if (req.url === '/hub') {
      hub.add(ws);
      ws.on('close', () => hub.delete(ws));
      ws.on('message', (data, isBinary) => { if (!isBinary) publish(data.toString()); });
    } else {
      ws.on('message', (data, isBinary) =>
        isBinary ? ws.send(data) : ws.send(prefix + data.toString()));
    }
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
