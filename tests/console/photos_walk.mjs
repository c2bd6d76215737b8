// An owner adds a photo to their listing (a preview before it is sent, a progress bar while
// it is: the upload is slowed down through the DevTools protocol so that the bar is seen
// moving), proposes it as the cover with a new phone number; the editor sees the before and
// after with the photo and approves. axe-core on every page; in the browser's language.
import { BASE, launch, audit, report } from './harness.mjs';

const lang = process.env.CONSOLE_LANG || 'vi';
const listing = process.env.LISTING_ID;
const { browser, context, page, problems } = await launch({ locale: lang === 'vi' ? 'vi-VN' : 'en-GB' });
const results = { pages: [], problems, steps: [] };

async function signIn(email, password) {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
}

try {
  await page.goto(`${BASE}/console/listings/${listing}`);
  await audit(page, `${lang}-photos-sign-in`, results);
  await signIn(process.env.OWNER_EMAIL, process.env.OWNER_PASSWORD);
  results.steps.push({ signedIn: page.url() });
  await audit(page, `${lang}-photos-listing-form`, results);
  const before = await page.locator('#photo-list li[data-photo]').count();

  await page.setInputFiles('#photo-file', process.env.PHOTO_PATH);
  await page.waitForSelector('figure.preview:not([hidden]) img');
  results.steps.push({ preview: await page.getAttribute('figure.preview img', 'src'),
                       caption: await page.textContent('figure.preview figcaption') });
  await audit(page, `${lang}-photos-preview`, results);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
  await page.click('form[data-upload] button[type=submit]');
  const seen = [];
  for (let i = 0; i < 400; i += 1) {
    const value = await page.evaluate(() => {
      const bar = document.querySelector('#photo-progress');
      return bar.closest('p').hidden ? -1 : bar.value;
    });
    seen.push(value);
    if (value > 5 && value < 95 && !results.pages.some((p) => p.name.endsWith('progress'))) {
      await audit(page, `${lang}-photos-progress`, results);
    }
    if (await page.locator('#photo-list li[data-photo]').count() > before) break;
    await page.waitForTimeout(50);
  }
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const added = page.locator('#photo-list li[data-photo]').last();
  const photoId = await added.getAttribute('data-photo');
  results.steps.push({ progress: seen.filter((v) => v >= 0), photoId,
                       status: (await page.textContent('.upload-status')).trim(),
                       ticked: await added.locator('input[type=checkbox]').isChecked() });
  await audit(page, `${lang}-photos-uploaded`, results);

  await page.fill(`#order_${photoId}`, '1');
  for (const other of await page.locator('#photo-list li[data-photo]').all()) {
    const id = await other.getAttribute('data-photo');
    if (id !== photoId) await page.fill(`#order_${id}`, '2');
  }
  await page.fill('#phone', lang === 'vi' ? '+84 274 3822 111' : '+84 274 3822 222');
  await Promise.all([page.waitForNavigation(), page.click('#listing-form button[type=submit]')]);
  results.steps.push({ sent: page.url() });
  await audit(page, `${lang}-photos-sent`, results);

  await Promise.all([page.waitForNavigation(), page.click('form[action="/console/sign-out"] button')]);
  await signIn(process.env.EDITOR_EMAIL, process.env.EDITOR_PASSWORD);
  await page.goto(`${BASE}/console/review`);
  await audit(page, `${lang}-photos-review-queue`, results);
  await Promise.all([page.waitForNavigation(), page.click('a[href^="/console/review/"]')]);
  results.steps.push({ afterPhotos: await page.locator('img[src*="/media/photos/"]').count() });
  await audit(page, `${lang}-photos-review-detail`, results);
  await page.setViewportSize({ width: 390, height: 844 });
  await audit(page, `${lang}-photos-review-detail-phone`, results);
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForNavigation(), page.click('button[value=approve]')]);
  results.steps.push({ decided: page.url() });
  await audit(page, `${lang}-photos-decided`, results);
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  await browser.close();
  report(results);
}
