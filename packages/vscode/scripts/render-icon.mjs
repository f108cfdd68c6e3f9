// Renders media/icon.svg to media/icon.png (128×128, what the marketplace shows) with the same
// headless Chromium the tests use. Run after editing the SVG; the PNG is committed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './run-in-browser-workbench.mjs';

const media = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'media');
const svg = fs.readFileSync(path.join(media, 'icon.svg'), 'utf8');
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await page.locator('svg').screenshot({ path: path.join(media, 'icon.png'), omitBackground: true });
await browser.close();
console.log(`wrote ${path.join(media, 'icon.png')}`);
