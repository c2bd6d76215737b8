// An editor uploads a panorama (progress bar, then its ingest followed until READY), adds it
// as a scene, places a hotspot by clicking in the real viewer; the visitors' viewer then shows
// the hotspot where the click was, at the same view. axe-core on every console page.
import { BASE, launch, audit, report } from './harness.mjs';

const lang = process.env.CONSOLE_LANG || 'vi';
const locale = lang === 'vi' ? 'vi-VN' : 'en-GB';
const { browser, page, problems } = await launch({ locale });
const results = { pages: [], problems, steps: [] };
const step = (name, value) => results.steps.push({ [name]: value });
try {
  await page.goto(`${BASE}/console/destinations/${process.env.SITE_ID}/tours`);
  await page.fill('#email', process.env.EDITOR_EMAIL);
  await page.fill('#password', process.env.EDITOR_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit]')]);
  await audit(page, `${lang}-tours`, results);
  await page.fill('#slug', process.env.SLUG);
  await page.fill('#title_vi', 'Chùa Bà Thiên Hậu 360°');
  await page.fill('#title_en', 'Thien Hau Pagoda in 360°');
  await Promise.all([page.waitForNavigation(), page.click('form.card button.primary')]);
  const tourUrl = page.url();
  step('tour', tourUrl);
  await audit(page, `${lang}-tour-new`, results);

  // the upload: what the status line says and the panorama's id are kept across the reload
  await page.evaluate(() => {
    const form = document.getElementById('panorama-upload');
    const seen = [];
    new MutationObserver(() => {
      seen.push({ text: document.getElementById('upload-status').textContent,
                  value: document.getElementById('upload-progress').value,
                  max: document.getElementById('upload-progress').max });
      sessionStorage.setItem('seen', JSON.stringify(seen));
      if (form.dataset.panorama) sessionStorage.setItem('panorama', form.dataset.panorama);
    }).observe(form, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.setInputFiles('#file', process.env.PANORAMA);
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/media-upload'));
  await Promise.all([page.waitForURL(/saved=upload/, { timeout: 120000 }),
                     page.click('#panorama-upload button[type=submit]')]);
  step('storeUpload', (await sent).url());
  step('seen', JSON.parse(await page.evaluate(() => sessionStorage.getItem('seen'))));
  const panorama = await page.evaluate(() => sessionStorage.getItem('panorama'));
  step('panorama', panorama);
  step('status', (await page.textContent(`[data-panorama-status="${panorama}"]`)).trim());
  await audit(page, `${lang}-tour-uploaded`, results);
  await page.selectOption('#panorama', panorama);
  await page.fill('#scene_title_vi', 'Cổng tam quan');
  await page.fill('#scene_title_en', 'The three-arch gate');
  await Promise.all([page.waitForNavigation(), page.click('#add-scene button[type=submit]')]);
  await Promise.all([page.waitForNavigation(), page.click('ol.scenes li a')]);
  await page.waitForSelector('body[data-loaded]', { timeout: 60000 });
  await page.waitForTimeout(700); // the scene's fade
  await audit(page, `${lang}-scene`, results);

  // a click in the viewer (not a drag) fills the new hotspot's angles
  const box = await page.locator('#panorama').boundingBox();
  // look elsewhere first (a drag, which places nothing), so that the view is not the initial one
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 160, box.y + box.height / 2 + 40, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(2000); // Pannellum's inertia
  const dragged = await page.inputValue('#new_yaw');
  const click = { x: Math.round(box.width / 2 + 150), y: Math.round(box.height / 2 - 70) };
  await page.mouse.click(box.x + click.x, box.y + click.y);
  const view = await page.evaluate(() => ({ yaw: window.consoleViewer.getYaw(),
    pitch: window.consoleViewer.getPitch(), hfov: window.consoleViewer.getHfov() }));
  const angles = { yaw: await page.inputValue('#new_yaw'), pitch: await page.inputValue('#new_pitch') };
  step('clicked', { click, box: { width: box.width, height: box.height }, view, angles, dragged });
  await page.fill('#text_vi', 'Bia đá dựng năm 1867');
  await page.fill('#text_en', 'A stone stele raised in 1867');
  await Promise.all([page.waitForNavigation(), page.click('#new-hotspot button[type=submit]')]);
  const hotspot = await page.getAttribute('form.hotspot:last-of-type', 'id');
  step('hotspot', hotspot);
  await page.waitForSelector('body[data-loaded]', { timeout: 60000 });
  await audit(page, `${lang}-scene-hotspot`, results);
  const sceneUrl = page.url();
  await page.goto(sceneUrl.replace(/\?.*$/, '') + '/delete');
  await audit(page, `${lang}-scene-delete-confirm`, results);
  const visitorUrl = await (async () => {
    await page.goto(sceneUrl);
    return page.getAttribute('p.meta a[href^="/tours/"]', 'href');
  })();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(tourUrl);
  await audit(page, `${lang}-tour-phone`, results);

  // the visitor, at the same view in a viewer of the same size
  const visitor = await browser.newContext({ locale, viewport: { width: Math.round(box.width),
    height: Math.round(box.height + 3.2 * 16) } });
  const seer = await visitor.newPage();
  seer.on('pageerror', (e) => problems.push(`visitor pageerror: ${e.message}`));
  const deep = `${BASE}${visitorUrl}&yaw=${view.yaw}&pitch=${view.pitch}&hfov=${view.hfov}`;
  await seer.goto(deep);
  await seer.waitForSelector('body[data-loaded]', { timeout: 60000 });
  const spot = `[data-hotspot="${hotspot}"]`;
  await seer.waitForSelector(spot, { state: 'attached', timeout: 20000 });
  await seer.waitForTimeout(900);
  const frame = await seer.locator('#panorama').boundingBox();
  const shown = await seer.locator(spot).boundingBox();
  step('visitor', { url: deep, frame: { width: frame.width, height: frame.height },
    at: { x: shown.x - frame.x + shown.width / 2, y: shown.y - frame.y + shown.height / 2 } });
  await seer.screenshot({ path: `${process.env.OUT_DIR}/${lang}-visitor-hotspot.png` });
  await visitor.close();
} catch (e) {
  results.error = String(e.stack || e);
} finally {
  await browser.close();
  report(results);
}
