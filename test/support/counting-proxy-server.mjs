// The counting proxy's server (test/support/counting-proxy.ts): forwards every HTTP request to 127.0.0.1:TARGET and
// appends "METHOD /path" to LOG first. Prints its port once it listens. Usage: node counting-proxy-server.mjs TARGET LOG
import { appendFileSync } from 'node:fs';
import { createServer, request } from 'node:http';

const [target, log] = process.argv.slice(2);
const server = createServer((req, res) => {
  appendFileSync(log, `${req.method} ${req.url}\n`);
  const up = request({ host: '127.0.0.1', port: Number(target), method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
