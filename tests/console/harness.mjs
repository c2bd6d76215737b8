// What every console walkthrough shares: Debian's Chromium driven by playwright-core, axe-core
// run on every page (serious and critical violations are collected), and screenshots.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run'];

export const BASE = process.env.BASE_URL;
export const OUT = process.env.OUT_DIR;
mkdirSync(OUT, { recursive: true });

export async function launch({ locale = 'vi-VN', viewport = { width: 1280, height: 900 } } = {}) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.request().isNavigationRequest()) problems.push(`${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:'
        && url.protocol !== 'blob:') problems.push(`off-host request: ${r.url()}`);
  });
  return { browser, context, page, problems };
}

// axe-core on the page as it is now (injected through the DevTools protocol, so the page's
// strict CSP does not stand in the way); serious and critical violations only.
export async function audit(page, name, results) {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
  results.pages.push({ name, url: page.url(), lang: await page.getAttribute('html', 'lang'),
                       violations: found });
}

export function report(results) {
  process.stdout.write(JSON.stringify(results) + '\n');
}
