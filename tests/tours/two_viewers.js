// Opens one tour page in headless Chromium (playwright-core, Debian's chromium) in each viewer
// and viewport asked for, and prints what each shows, as JSON: the hotspots' bounding-box
// centres (px, in the panorama's box), the viewer's own view (yaw, pitch, horizontal fov in
// degrees) and the panorama's size. A viewport with `click` is measured, its link hotspot
// clicked, and measured again in the scene it leads to; one with `then` is measured, resized,
// and measured again in the same page.
//
//   node two_viewers.js '{"url": "http://127.0.0.1:8000/tours/1", "viewers": [...],
//                         "viewports": [{"width": 1280, "height": 800, "then": {...}}]}'
'use strict';
const { chromium } = require('playwright-core');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'];

function measure() {
  const box = document.getElementById('panorama').getBoundingClientRect();
  const viewer = window.tourViewer;
  let view;
  if (document.body.getAttribute('data-error')) {
    return { error: document.body.getAttribute('data-error') };
  }
  if (window.Marzipano && viewer instanceof window.Marzipano.Viewer) {
    const v = viewer.view();
    const size = v.size();
    const hfov = window.Marzipano.util.convertFov.vtoh(v.fov(), size.width, size.height);
    // Marzipano's pitch is down-positive: given here in the API's terms (up-positive).
    view = { yaw: v.yaw() * 180 / Math.PI, pitch: -v.pitch() * 180 / Math.PI,
      hfov: hfov * 180 / Math.PI, width: size.width, height: size.height };
  } else {
    const canvas = document.querySelector('#panorama canvas');
    view = { yaw: viewer.getYaw(), pitch: viewer.getPitch(), hfov: viewer.getHfov(),
      width: canvas.clientWidth, height: canvas.clientHeight };
  }
  const hotspots = {};
  document.querySelectorAll('[data-hotspot]').forEach((element) => {
    const r = element.getBoundingClientRect();
    const style = window.getComputedStyle(element);
    if (r.width === 0 || style.visibility === 'hidden' || style.display === 'none') { return; }
    hotspots[element.getAttribute('data-hotspot')] = {
      x: r.left + r.width / 2 - box.left, y: r.top + r.height / 2 - box.top };
  });
  return { scene: document.body.getAttribute('data-loaded'), view, hotspots,
    box: { width: box.width, height: box.height } };
}

async function settled(page) {
  await page.waitForFunction(() => document.body.hasAttribute('data-loaded') ||
    document.body.hasAttribute('data-error'), null, { timeout: 60000 });
  await page.waitForTimeout(700); // hotspots follow the view on the viewer's next frames
}

async function main() {
  const asked = JSON.parse(process.argv[2]);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  const results = [];
  try {
    for (const name of asked.viewers) {
      for (const viewport of asked.viewports) {
        const context = await browser.newContext({
          viewport: { width: viewport.width, height: viewport.height }, deviceScaleFactor: 1 });
        const page = await context.newPage();
        const logged = [];
        // A failed request is told by its URL (Chromium's console line has none); the
        // favicon that the page does not have is no fault of the viewers.
        page.on('console', (m) => {
          if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
            logged.push(m.text());
          }
        });
        page.on('pageerror', (e) => logged.push(String(e)));
        page.on('response', (r) => {
          if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') {
            logged.push(`${r.status()} ${r.url()}`);
          }
        });
        page.on('requestfailed', (r) => { // a request the page itself cancels is no fault
          if (r.failure().errorText !== 'net::ERR_ABORTED') {
            logged.push(`${r.failure().errorText} ${r.url()}`);
          }
        });
        const separator = asked.url.includes('?') ? '&' : '?';
        await page.goto(`${asked.url}${separator}viewer=${name}`);
        await settled(page);
        const shown = [await page.evaluate(measure)];
        if (viewport.click) { // a link hotspot, clicked as a visitor does, then its scene
          await page.click(`[data-hotspot="${viewport.click.hotspot}"]`);
          await page.waitForFunction((scene) => document.body.getAttribute('data-loaded') ===
            scene, viewport.click.scene, { timeout: 60000 });
          await page.waitForTimeout(1200); // the scenes' fade
          shown.push(await page.evaluate(measure));
        }
        if (viewport.then) {
          await page.setViewportSize({ width: viewport.then.width, height: viewport.then.height });
          await page.waitForTimeout(1000);
          shown.push(await page.evaluate(measure));
        }
        results.push({ viewer: name, viewport, shown, console: logged });
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
