// The pages around accounts, before and after signing in as an admin: the forgotten-password
// form, the console's home, accounts and API keys, the audit trail, changing one's password;
// axe-core on each, in the browser's language (vi or en), on a desktop and a phone.
import { BASE, launch, audit, report } from './harness.mjs';

const lang = process.env.CONSOLE_LANG || 'vi';
const { browser, page, problems } = await launch({ locale: lang === 'vi' ? 'vi-VN' : 'en-GB' });
const results = { pages: [], problems, steps: [] };
try {
  await page.goto(`${BASE}/console/password/forgot`);
  await audit(page, `${lang}-password-forgot`, results);
  await page.goto(`${BASE}/console/sign-in`);
  await page.fill('#email', process.env.ADMIN_EMAIL);
  await page.fill('#password', process.env.EDITOR_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  results.steps.push({ home: page.url() });
  await audit(page, `${lang}-home-admin`, results);
  for (const path of ['accounts', 'audit', 'password']) {
    await page.goto(`${BASE}/console/${path}`);
    results.steps.push({ [path]: await page.title() });
    await audit(page, `${lang}-${path}`, results);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/console/accounts`);
  results.steps.push({ phoneWidth: await page.evaluate(() => document.documentElement.scrollWidth) });
  await audit(page, `${lang}-accounts-phone`, results);
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  await browser.close();
  report(results);
}
