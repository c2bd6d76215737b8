// Opens QR pages in headless Chromium (playwright-core) with a phone's locale, which sets the
// browser's language and the Accept-Language it sends; screenshots each page and reports, per
// page, its <html lang>, the text nodes in another language without a note, and the notes.
// Usage: node one_language.mjs <base-url> <out-dir> '<[["THAU23","ko-KR"], ...]>'
import { chromium } from "playwright-core";

const [base, out, wanted] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const results = [];
try {
  for (const [code, locale] of JSON.parse(wanted)) {
    const context = await browser.newContext({ locale, viewport: { width: 390, height: 844 },
                                               deviceScaleFactor: 1 });
    const page = await context.newPage();
    const sent = [];
    page.on("request", (r) => sent.push(r.headers()["accept-language"] || ""));
    const response = await page.goto(`${base}/q/${code}`, { waitUntil: "load" });
    const shot = `${out}/${code}-${locale}.png`;
    await page.screenshot({ path: shot, fullPage: true });
    const report = await page.evaluate(() => {
      const primary = (tag) => (tag || "").toLowerCase().split("-")[0];
      const html = document.documentElement.lang;
      const strays = [];
      const notes = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        const parent = node.parentElement;
        if (!text || parent.closest("nav.languages")) continue;  // each language in itself
        const owner = parent.closest("[lang]");
        if (parent.closest(".shown-in")) { notes.push([text, primary(owner.lang)]); continue; }
        if (primary(owner.lang) === primary(html)) continue;
        // a fallback: its element carries the note beside it (before or after)
        const beside = [owner.previousElementSibling, owner.nextElementSibling,
                        owner.parentElement.previousElementSibling];
        const note = beside.find((e) => e && e.matches("small.shown-in"));
        if (!note) strays.push([text.slice(0, 60), owner.lang]);
      }
      return { html, strays, notes, title: document.querySelector("h1").innerText,
               audio: document.querySelector("audio")?.getAttribute("lang") || null,
               tour: document.querySelector("a.view")?.getAttribute("href") || null,
               width: document.documentElement.scrollWidth };
    });
    results.push({ code, locale, status: response.status(), sent: sent[0], shot, ...report });
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
