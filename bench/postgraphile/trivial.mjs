// A trivial HTTP/1.1 server for measuring the load client's own ceiling: every request, of any
// method and path, is answered 200 with one fixed JSON body of PEER_TRIVIAL_BYTES bytes
// (default 14000: about a destinationsInArea page of 100). Listens on 127.0.0.1:PEER_PORT.
import { createServer } from "node:http";

const size = Number(process.env.PEER_TRIVIAL_BYTES || 14000);
const body = Buffer.from(`{"data":{"pad":"${"x".repeat(Math.max(0, size - 20))}"}}`);
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PEER_PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
