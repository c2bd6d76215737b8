// GraphiQL in headless Chromium with the network restricted to the app on loopback: the page
// renders, runs its example query, and nothing is requested elsewhere (no CDN). Then a page on
// another origin calls the API with the documented headers through a real CORS preflight.
// Usage: node tests/clients/http_graphiql.mjs http://127.0.0.1:PORT http://localhost:PORT
// Prints one JSON object.
import { chromium } from 'playwright-core';

const [base, otherOrigin] = process.argv.slice(2);
const local = new Set([new URL(base).origin, new URL(otherOrigin).origin]);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const out = { requested: [], refused: [], problems: [] };
try {
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    out.requested.push(url);
    if (url.startsWith('data:') || local.has(new URL(url).origin)) return route.continue();
    out.refused.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') out.problems.push(message.text());
  });
  page.on('pageerror', (error) => out.problems.push(String(error)));
  const ide = await page.goto(`${base}/graphql`, { waitUntil: 'load' });
  out.status = ide.status();
  out.csp = ide.headers()['content-security-policy'] ?? null;
  await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror',
    { timeout: 30000 });
  out.rendered = await page.locator('.graphiql-container').count();
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => (document.querySelector('.result-window')?.textContent ?? '').includes('edges'),
    null, { timeout: 30000 });
  out.result = await page.locator('.result-window').textContent();
  await context.close();

  // CORS: no request interception here, so the browser makes its own preflight
  const cross = await browser.newContext();
  const caller = await cross.newPage();
  await caller.goto(`${otherOrigin}/healthz`);
  out.cors = await caller.evaluate(async (url) => {
    const call = async (headers) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query: '{ destinations(first: 1) { edges { node { name } } } }' }),
        });
        return { status: response.status, body: await response.json() };
      } catch (error) {
        return { refused: String(error) };
      }
    };
    return {
      documented: await call({
        'x-tourism-language': 'en', 'accept-language': 'en',
        'apollographql-client-name': 'kiosk', 'apollographql-client-version': '1.0',
        accept: 'application/graphql-response+json, application/json;q=0.9',
      }),
      undocumented: await call({ 'x-not-documented': '1' }),
    };
  }, `${base}/graphql`);
  await cross.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
