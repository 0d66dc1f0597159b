// Opens the API docs site in headless Chromium (Debian's package), follows every internal link
// from the entry page, and fails on a missing page, a broken link or anchor, or an empty main
// page. Saves a screenshot of the overview.
//
// usage: node check-docs.mjs SITE_DIR SCREENSHOT.png
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const site = path.resolve(process.argv[2] ?? 'target/reports/apidocs');
const shot = path.resolve(process.argv[3] ?? 'target/reports/apidocs-overview.png');
const entry = path.join(site, 'index.html');
if (!existsSync(entry)) {
  console.error(`docs-check: no entry page ${entry}`);
  process.exit(1);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();

const queue = [entry];
const visited = new Set([entry]);
const ids = new Map();        // page file -> Set of ids/names
const anchorRefs = [];        // { from, file, hash }
const broken = [];

function local(url) {
  if (!url.startsWith('file:')) return null; // external links are not followed
  const u = new URL(url);
  return { file: fileURLToPath(u.origin === 'null' ? `file://${u.pathname}` : u.href.split('#')[0]),
    hash: u.hash ? decodeURIComponent(u.hash.slice(1)) : '' };
}

while (queue.length > 0) {
  const file = queue.shift();
  const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  if (response && !response.ok()) broken.push(`${file}: does not load`);
  ids.set(file, new Set(await page.$$eval('[id],[name]',
    els => els.flatMap(e => [e.id, e.getAttribute('name')]).filter(Boolean))));
  const hrefs = await page.$$eval('a[href]', as => as.map(a => a.href));
  const images = await page.$$eval('img', imgs => imgs.map(i => ({ src: i.src, ok: i.complete && i.naturalWidth > 0 })));
  for (const img of images) {
    if (!img.ok) broken.push(`${path.relative(site, file)}: image does not render: ${img.src}`);
  }
  for (const href of hrefs) {
    const target = local(href);
    if (target === null) continue;
    if (!existsSync(target.file)) {
      broken.push(`${path.relative(site, file)}: broken link to ${path.relative(site, target.file)}`);
      continue;
    }
    if (target.hash) anchorRefs.push({ from: file, file: target.file, hash: target.hash });
    if (target.file.startsWith(site) && target.file.endsWith('.html') && !visited.has(target.file)) {
      visited.add(target.file);
      queue.push(target.file);
    }
  }
}

// javadoc's constant-values page links to a heading for each package-name prefix ("#dev.iommufw")
// that it never emits; that is the tool's own defect, accepted only in that exact form.
function javadocPrefixHeading(ref, known) {
  return path.basename(ref.file) === 'constant-values.html'
    && [...known].some(id => id.startsWith(`${ref.hash}.`));
}

for (const ref of anchorRefs) {
  const known = ids.get(ref.file);
  if (known && !known.has(ref.hash) && !javadocPrefixHeading(ref, known)) {
    broken.push(`${path.relative(site, ref.from)}: broken anchor #${ref.hash} in ${path.relative(site, ref.file)}`);
  }
}

await page.goto(pathToFileURL(entry).href, { waitUntil: 'load' });
const mainText = (await page.locator('main').first().innerText().catch(() => '')).trim();
if (mainText.length < 200 || !mainText.includes('iommufw')) {
  broken.push(`index.html: main page is empty or lacks the overview (${mainText.length} chars)`);
}
await page.screenshot({ path: shot, fullPage: false });
await browser.close();

console.log(`docs-check: ${visited.size} pages, ${anchorRefs.length} anchors checked; screenshot ${shot}`);
if (broken.length > 0) {
  for (const b of broken.slice(0, 50)) console.error(`docs-check: ${b}`);
  console.error(`docs-check: ${broken.length} problem(s)`);
  process.exit(1);
}
