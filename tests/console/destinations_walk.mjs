// An editor signs in, creates a destination with a Vietnamese and an English text, publishes
// it; every page passes axe-core; in the language of the browser (vi or en).
import { BASE, launch, audit, report } from './harness.mjs';

const lang = process.env.CONSOLE_LANG || 'vi';
const { browser, page, problems } = await launch({ locale: lang === 'vi' ? 'vi-VN' : 'en-GB' });
const results = { pages: [], problems, steps: [] };
try {
  await page.goto(`${BASE}/console/destinations`);
  await audit(page, `${lang}-sign-in`, results);
  await page.fill('#email', process.env.EDITOR_EMAIL);
  await page.fill('#password', process.env.EDITOR_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  results.steps.push({ signedIn: page.url() });
  await audit(page, `${lang}-destinations`, results);
  await page.click('a[href="/console/destinations/new"]');
  await audit(page, `${lang}-destination-new`, results);
  const slug = process.env.SLUG;
  await page.fill('#slug', slug);
  await page.selectOption('#category', 'museum');
  await page.fill('#lat', '11.0321');
  await page.fill('#lng', '106.6543');
  await page.fill('#name_vi', 'Bảo tàng Gốm Lái Thiêu');
  await page.fill('#description_vi', 'Nơi lưu giữ gốm Lái Thiêu qua ba thế kỷ.');
  await page.fill('#name_en', 'Lai Thieu Ceramics Museum');
  await page.fill('#description_en', 'Three centuries of Lai Thieu pottery.');
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  results.steps.push({ created: page.url() });
  await audit(page, `${lang}-destination-edit`, results);
  await Promise.all([page.waitForNavigation(),
                     page.click('form[action$="/publish"] button[name=published]')]);
  results.steps.push({ published: await page.textContent('p.meta .status') });
  await page.goto(`${BASE}/console/destinations?q=${encodeURIComponent('gốm lái thiêu')}`);
  results.steps.push({ listed: await page.locator('tbody tr').count() });
  await audit(page, `${lang}-destinations-search`, results);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(page.url());
  await audit(page, `${lang}-destinations-phone`, results);
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  await browser.close();
  report(results);
}
