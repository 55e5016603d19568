// The reference page in a real browser (tests/t/043-openapi-browser.t):
// headless Debian chromium, driven by playwright-core, opens /docs/, picks
// each API in the page's own selector and reads the operations it shows.
// Every request the page makes, every Content-Security-Policy violation and
// every console error is recorded, and a screenshot of each API's page is
// saved.
//
//   node browser.mjs BASE_URL EXPECTED.json ARTIFACT_DIR
//
// EXPECTED.json: [{"title": ..., "name": ..., "operations": ["GET /p", ...]}]
// Prints one JSON object: {"apis": [{"title", "operations", "errors",
// "screenshot"}], "requests": [...], "violations": [...], "console": [...]}

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('./package.json',
                                      import.meta.url));
const { chromium } = require('playwright-core');

const [base, expectedFile, artifacts] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
const timeout = 30000;

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // --no-sandbox: the tests run as root; the rest keep chromium from
    // calling home, which a closed network refuses
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--disable-dev-shm-usage'],
});
const out = { apis: [], requests: [], violations: [], console: [] };
try {
    const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
    });
    context.on('request', (r) => out.requests.push(r.url()));
    await context.addInitScript(() => {
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) => {
            window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
        });
    });
    const page = await context.newPage();
    page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
            out.console.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => out.console.push(`pageerror: ${e.message}`));

    await page.goto(`${base}/docs/`, { waitUntil: 'load', timeout });
    for (const api of expected) {
        const seen = { title: api.title, operations: [], errors: [] };
        try {
            // the page's own API selector (swagger-ui's top bar)
            await page.selectOption('.topbar select', { label: api.title },
                                    { timeout });
            await page.waitForFunction(
                (t) => document.querySelector('.info .title')?.textContent
                    .startsWith(t), api.title, { timeout });
            await page.waitForFunction(
                (n) => document.querySelectorAll('.opblock').length >= n,
                api.operations.length, { timeout }).catch(() => {});
            seen.operations = await page.$$eval('.opblock', (blocks) =>
                blocks.map((b) => {
                    const m = b.querySelector('.opblock-summary-method');
                    const p = b.querySelector('.opblock-summary-path');
                    return `${m?.textContent.trim().toUpperCase()} `
                        + `${p?.getAttribute('data-path')}`;
                }));
        } catch (e) {
            seen.errors.push(e.message.split('\n')[0]);
        }
        // what swagger-ui shows when it cannot load or read a document
        seen.errors.push(...await page.$$eval(
            '.errors-wrapper, .loading-container .errors',
            (els) => els.map((e) => e.textContent.trim())));
        seen.screenshot = `${artifacts}/openapi-docs-${api.name}.png`;
        await page.screenshot({ path: seen.screenshot, fullPage: true });
        out.apis.push(seen);
    }
    out.violations = await page.evaluate(() => window.__csp);
} finally {
    await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
