// The bench's peer: PostGraphile 5 (library mode, the Amber preset) serving the `peer`
// schema's SQL functions (bench/peer_sql.py) on Node's http server, in production mode.
//
// Environment: PEER_DSN (libpq URL), PEER_PORT, PEER_POOL (pool size, default 10), PEER_SCHEMA
// (default "peer"). GET /healthz answers 200 once the schema is built; POST /graphql is
// PostGraphile's own endpoint. Run with NODE_ENV=production (bench/peer.py does).
import { createServer } from "node:http";

import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const port = Number(process.env.PEER_PORT);

// PostGraphile names an attribute `id` `rowId` (its Relay `id` would clash); the peer's node
// types have no Relay id, so their `id` keeps its name, as our schema's does.
const KeepIdPlugin = {
  name: "KeepIdPlugin",
  version: "0.0.0",
  inflection: {
    replace: {
      _attributeName(previous, options, details) {
        return details.attributeName === "id" ? "id" : previous(details);
      },
    },
  },
};

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [KeepIdPlugin],
  pgServices: [
    makePgService({
      connectionString: process.env.PEER_DSN,
      schemas: [process.env.PEER_SCHEMA || "peer"],
      poolConfig: { max: Number(process.env.PEER_POOL || 10) },
    }),
  ],
  grafserv: { port, host: "127.0.0.1", graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
await pgl.getSchema(); // build (introspect) once, before the first request
const handler = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1");

const stop = () => {
  server.close();
  Promise.resolve(pgl.release()).finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
