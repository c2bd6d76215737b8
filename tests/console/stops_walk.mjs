// An editor adds a stop to Đền Đô with its titles, uploads its narration (Ogg and WebVTT),
// previews the visitor's page, gives the stop a QR code and prints the sheet (saved for zbar);
// every console page passes axe-core; in the language of the browser (vi or en).
import { writeFileSync } from 'node:fs';
import { BASE, OUT, launch, audit, report } from './harness.mjs';

const lang = process.env.CONSOLE_LANG || 'vi';
const title = process.env.STOP_TITLE;
const media = process.env.DEMO_MEDIA;
const { browser, page, problems } = await launch({ locale: lang === 'vi' ? 'vi-VN' : 'en-GB' });
const results = { pages: [], problems, steps: [] };
try {
  await page.goto(`${BASE}/console/destinations?q=${encodeURIComponent('Đền Đô')}`);
  await page.fill('#email', process.env.EDITOR_EMAIL);
  await page.fill('#password', process.env.EDITOR_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  await Promise.all([page.waitForNavigation(), page.click('tbody tr a[href^="/console/destinations/"]')]);
  await Promise.all([page.waitForNavigation(), page.click('nav.tabs a[href$="/stops"]')]);
  await audit(page, `${lang}-stops`, results);
  await page.fill('#title_vi', title);
  await page.fill('#title_en', `${title} (en)`);
  await page.fill('#text_vi', 'Đền Đô thờ tám vị vua nhà Lý.');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/stops"] button[type=submit]')]);
  results.steps.push({ created: page.url() });
  await audit(page, `${lang}-stop-edit`, results);
  await page.selectOption('#lang', 'vi');
  await page.setInputFiles('#audio', `${media}/den-do-1.vi.ogg`);
  await page.setInputFiles('#transcript_file', `${media}/den-do-1.vi.vtt`);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/narrations"] button[type=submit]')]);
  results.steps.push({ narrated: page.url(), notice: await page.textContent('p.notice') });
  await audit(page, `${lang}-stop-narrated`, results);
  await page.setViewportSize({ width: 390, height: 844 });
  await audit(page, `${lang}-stop-phone`, results);
  await page.setViewportSize({ width: 1280, height: 900 });
  const stopUrl = page.url().split('?')[0];
  await Promise.all([page.waitForNavigation(), page.click('nav.tabs a[href$="/qr"]')]);
  const option = await page.locator('#new-target option', { hasText: title }).first().getAttribute('value');
  await page.selectOption('#new-target', option);
  await Promise.all([page.waitForNavigation(), page.click('form.card.row button[type=submit]')]);
  const section = page.locator('section.target', { has: page.locator('h3', { hasText: title }) });
  const code = (await section.locator('code').first().textContent()).trim();
  results.steps.push({ code });
  await audit(page, `${lang}-stop-qr`, results);
  // the browser's own PDF viewer (chrome:// pages) is kept out: the form's real answer (a
  // redirect to the sheet) is read through the route, the page shows a stand-in, and
  // the sheet is fetched with the editor's cookie, for zbar
  let sheetAt = null;
  await page.route(/\/qr\/sheet$/, async (route) => {
    const answer = await route.fetch({ maxRedirects: 0 });
    sheetAt = answer.headers().location;
    await route.fulfill({ status: 200, contentType: 'text/html', body:
      `<!doctype html><html lang="${lang}"><link rel="icon" href="data:,"><title>PDF</title>` });
  });
  await Promise.all([page.waitForNavigation(),
                     page.click('form[action$="/qr/sheet"] button[type=submit]')]);
  await page.unroute(/\/qr\/sheet$/);
  const pdf = await page.request.get(new URL(sheetAt, BASE).href);
  writeFileSync(`${OUT}/${lang}-sheet.pdf`, await pdf.body());
  results.steps.push({ sheet: `${OUT}/${lang}-sheet.pdf` });
  await page.goto(stopUrl);
  // the preview links open the visitor's page of the stop in each language (fetched, not
  // opened: the visitor page's own favicon request is no part of this walk)
  const previews = await page.locator('ul.previews a').evaluateAll(
    (links) => links.map((a) => [a.getAttribute('hreflang'), a.getAttribute('href')]));
  const shown = {};
  for (const [tag, href] of previews) {
    const html = await (await page.request.get(new URL(href, BASE).href)).text();
    shown[tag] = { href, lang: /<html lang="([^"]+)"/.exec(html)?.[1],
                   audio: (html.match(/<source /g) || []).length };
  }
  results.steps.push({ previews: shown });
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  await browser.close();
  report(results);
}
