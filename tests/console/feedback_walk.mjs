// Visitors in Korean and in Vietnamese send feedback from a /q page's form (no script) and
// land on their tracking pages; an editor answers both in the console; the tracking pages then
// show the answers. Every page passes axe-core.
import { BASE, launch, audit, report } from './harness.mjs';

const code = process.env.QR_CODE;
const visitors = [
  { lang: 'ko', locale: 'ko-KR', category: 'not_working', text: '오디오 안내가 재생되지 않습니다.',
    contact: 'kim@example.kr', answer: 'Chúng tôi đã thay loa. 스피커를 교체했습니다.' },
  { lang: 'vi', locale: 'vi-VN', category: 'prices', text: 'Quầy nước bán giá gấp đôi niêm yết.',
    contact: '', answer: 'Ban quản lý đã nhắc nhở quầy nước niêm yết đúng giá.' },
];
const results = { pages: [], problems: [], steps: [] };
const opened = [];
try {
  for (const v of visitors) {
    const visit = await launch({ locale: v.locale, viewport: { width: 390, height: 844 } });
    opened.push(visit);
    const { page } = visit;
    await page.goto(`${BASE}/q/${code}`);
    await page.click('#feedback-h');
    await audit(page, `feedback-${v.lang}-form`, results);
    await page.selectOption('#feedback-category', v.category);
    await page.fill('#feedback-text', v.text);
    if (v.contact) await page.fill('#feedback-contact', v.contact);
    await Promise.all([page.waitForNavigation(), page.click('.feedback button[type=submit]')]);
    v.tracking = (await page.textContent('dd.tracking')).trim();
    v.url = page.url();
    results.steps.push({ lang: v.lang, tracking: v.tracking, url: v.url,
                         status: (await page.textContent('dd.status')).trim(),
                         sent: await page.locator('p.sent').count() });
    await audit(page, `feedback-${v.lang}-tracking`, results);
  }
  const staff = await launch({ locale: 'vi-VN' });
  opened.push(staff);
  const { page } = staff;
  await page.goto(`${BASE}/console/feedback`);
  await page.fill('#email', process.env.EDITOR_EMAIL);
  await page.fill('#password', process.env.EDITOR_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  await audit(page, 'feedback-console-sites', results);
  await Promise.all([page.waitForNavigation(), page.click('tbody a')]);
  await audit(page, 'feedback-console-site', results);
  for (const v of visitors) {
    await Promise.all([page.waitForNavigation(), page.click(`a:text("${v.tracking}")`)]);
    await audit(page, `feedback-console-item-${v.lang}`, results);
    results.steps.push({ contactShown: v.contact ? (await page.content()).includes(v.contact) : null });
    await page.selectOption('#status', 'resolved');
    await page.fill('#assigned_to', 'Ban quản lý di tích');
    await page.fill('#answer', v.answer);
    await Promise.all([page.waitForNavigation(), page.click('form.card button.primary')]);
    results.steps.push({ handled: v.tracking, status: (await page.textContent('dd.status')).trim() });
    await page.click('a[href^="/console/feedback/site/"]');
    await page.waitForLoadState();
  }
  for (const v of visitors) {
    const { page: visitor } = opened[visitors.indexOf(v)];
    await visitor.goto(v.url.replace('&sent=1', ''));
    results.steps.push({ lang: v.lang, answered: (await visitor.textContent('p.answer')).trim(),
                         statusAfter: (await visitor.textContent('dd.status')).trim(),
                         htmlLang: await visitor.getAttribute('html', 'lang') });
    await audit(visitor, `feedback-${v.lang}-answered`, results);
  }
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  // the visitor pages declare no icon: Chromium's own /favicon.ico request is a 404 (not ours)
  const favicon = 'console: Failed to load resource: the server responded with a status of 404 (Not Found)';
  for (const o of opened) {
    const own = o === opened[opened.length - 1] ? o.problems : o.problems.filter((p) => p !== favicon);
    results.problems.push(...own);
    await o.browser.close();
  }
  report(results);
}
