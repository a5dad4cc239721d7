// node's http module (llhttp inside) serving the contract's routes that need
// no timers beyond setTimeout: /plaintext, /bytes/N, /slow/MS.
const http = require('http');
const chunk = Buffer.alloc(65536, 'x');
const server = http.createServer((req, res) => {
  const date = new Date().toUTCString();
  if (req.url === '/plaintext') {
    res.writeHead(200, {'Content-Type': 'text/plain', 'Content-Length': 13, 'Server': 'node', 'Date': date});
    return res.end('Hello, World!');
  }
  let m = /^\/bytes\/(\d+)$/.exec(req.url);
  if (m) {
    let left = Number(m[1]);
    res.writeHead(200, {'Content-Length': left});
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  m = /^\/slow\/(\d+)$/.exec(req.url);
  if (m) {
    const tick = Number(m[1]) / 10;
    res.writeHead(200, {'Content-Type': 'text/plain'});
    let n = 0;
    const step = () => { res.write('tick ' + (++n) + '\n'); if (n === 10) res.end(); else setTimeout(step, tick); };
    return setTimeout(step, tick);
  }
  res.writeHead(404); res.end();
});
server.keepAliveTimeout = 600000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening on 127.0.0.1:' + server.address().port);
});
