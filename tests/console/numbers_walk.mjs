// An editor signs in and reads the Numbers page (the last 30 days, then a chosen period), on a
// desktop and a phone; every page passes axe-core; in the language of the browser (vi or en).
import { BASE, launch, audit, report } from './harness.mjs';

const lang = process.env.CONSOLE_LANG || 'vi';
const { browser, page, problems } = await launch({ locale: lang === 'vi' ? 'vi-VN' : 'en-GB' });
const results = { pages: [], problems, steps: [] };
const totals = async () => Object.fromEntries(await Promise.all(['scans', 'plays', 'views']
  .map(async (s) => [s, Number(await page.textContent(`#total-${s}`))])));
try {
  await page.goto(`${BASE}/console/numbers`);
  await page.fill('#email', process.env.EDITOR_EMAIL);
  await page.fill('#password', process.env.EDITOR_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  results.steps.push({ signedIn: page.url() });
  await audit(page, `${lang}-numbers`, results);
  results.steps.push({ month: await totals(),
                       bars: await page.locator('svg.chart rect').count(),
                       days: await page.locator('#table-day tbody tr').count() });
  await page.fill('#since', process.env.SINCE);
  await page.fill('#until', process.env.UNTIL);
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  results.steps.push({ period: await totals(), url: page.url() });
  await audit(page, `${lang}-numbers-period`, results);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/console/numbers`);
  results.steps.push({ phoneWidth: await page.evaluate(() => document.documentElement.scrollWidth) });
  await audit(page, `${lang}-numbers-phone`, results);
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  await browser.close();
  report(results);
}
