// The graphql-http audit of the GraphQL-over-HTTP spec against a live server.
// Usage: node tests/clients/http_audit.mjs http://127.0.0.1:PORT/graphql
// Prints one line per audit and a JSON tally as the last line; exits 1 unless every audit is ok.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node http_audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
const tally = { total: results.length, ok: 0, warn: 0, error: 0, notice: 0, failures: [] };
for (const result of results) {
  tally[result.status] += 1;
  if (result.status === 'ok') {
    console.log(`ok     ${result.name}`);
    continue;
  }
  let body = '';
  try { body = (await result.response.text()).slice(0, 300); } catch { body = '(body already read)'; }
  console.log(`${result.status.padEnd(6)} ${result.name}: ${result.reason} [${result.response.status}] ${body}`);
  tally.failures.push({ id: result.id, name: result.name, status: result.status, reason: result.reason });
}
console.log(JSON.stringify(tally));
process.exit(tally.ok === tally.total ? 0 : 1);
