// End-to-end test in a real browser: the built demo site, served on
// 127.0.0.1 under a sub-path, driven in headless Chromium.
//
//   node tests/e2e/search.mjs SITE_DIR PORT [PORTABLE_DIR]
//
// SITE_DIR must be built with --base-url http://127.0.0.1:PORT/kb/.
// PORTABLE_DIR, built without a base URL, is opened from disk (file://)
// to check that search works there too. The script fails (exit 1) when
// the browser is missing: CI installs it.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [siteDir, portText, portableDir] = process.argv.slice(2);
const port = Number(portText);
const base = `http://127.0.0.1:${port}/kb/`;
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".xml": "application/xml",
  ".csv": "text/csv",
  ".txt": "text/plain",
};

// A static server for the site under /kb/, as internal hosting serves it.
function serve() {
  const root = path.resolve(siteDir);
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, base);
    let file = null;
    if (url.pathname.startsWith("/kb/")) {
      const relative = decodeURIComponent(url.pathname.slice("/kb/".length));
      const candidate = path.resolve(root, relative.endsWith("/") || relative === "" ? relative + "index.html" : relative);
      if (candidate.startsWith(root) && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) file = candidate;
    }
    if (!file) {
      response.writeHead(404, { "content-type": TYPES[".html"] });
      response.end(fs.readFileSync(path.join(root, "404.html")));
      return;
    }
    response.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
    response.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}

async function typeQuery(page, selector, text) {
  await page.fill(selector, "");
  await page.type(selector, text, { delay: 10 });
}

async function main() {
  if (!fs.existsSync(browserPath)) {
    throw new Error(`no browser at ${browserPath}: install Debian's chromium (CI does) or set CHROMIUM`);
  }
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: browserPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage();
  const failures = [];
  page.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
  page.on("dialog", async (dialog) => {
    failures.push(`a dialog opened: ${dialog.message()}`);
    await dialog.dismiss();
  });

  try {
    // Nothing search-related is downloaded until the reader searches.
    const requests = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(base);
    check(!requests.some((url) => url.endsWith("search/index.js")), "the index is not loaded with the page");

    // Type a query into the header box; results appear as you type.
    const started = Date.now();
    await typeQuery(page, "#site-search", "android");
    await page.waitForSelector("#site-search-results li.search-result a");
    const firstResultMs = Date.now() - started;
    const titles = await page.$$eval("#site-search-results li.search-result a", (links) => links.map((a) => a.textContent));
    check(titles.includes("Old Android devices rejected the renewed edge certificate chain"), `"android" finds the Android postmortem (${titles.length} results in ${firstResultMs} ms)`);
    check(requests.some((url) => url.endsWith("search/index.js")), "the index is loaded once the reader searches");

    // Open it with the keyboard.
    await page.keyboard.press("ArrowDown");
    const focused = await page.evaluate(() => document.activeElement.textContent);
    check(focused === titles[0], "ArrowDown moves focus to the first result");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    check(page.url().startsWith(`${base}postmortems/`), `Enter opens the result under the sub-path (${page.url()})`);
    const opened = await page.textContent("h1");
    check(opened === titles[0], "the opened page is the chosen result");

    // Follow a cross-link written as [[INC-2024-003]] in the body.
    const crossLink = page.locator(".body a[href*='inc-2024-003']").first();
    await Promise.all([page.waitForNavigation(), crossLink.click()]);
    check((await page.textContent("h1")) === "Expired wildcard certificate on edge-proxy", "a [[ID]] cross-link leads to its postmortem");

    // And back through a backlink.
    const backlink = page.locator(".backlinks a").first();
    const backlinkTitle = await backlink.textContent();
    await Promise.all([page.waitForNavigation(), backlink.click()]);
    check((await page.textContent("h1")) === backlinkTitle, `a "Referenced by" backlink leads to ${backlinkTitle}`);

    // The search page keeps the query in the URL, so a search can be shared.
    await page.goto(`${base}search/?q=${encodeURIComponent("failover")}`);
    await page.waitForSelector("#search-page-results li.search-result");
    const shared = await page.$$eval("#search-page-results li.search-result a", (links) => links.length);
    check(shared > 0, `a shared ?q=failover link shows ${shared} results`);
    await typeQuery(page, "#search-page-input", "replica");
    await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "replica");
    check(true, "typing updates ?q= in the address bar");

    // Awkward queries neither break the page nor inject anything.
    for (const query of ["C++", "5xx", "données", "<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>"]) {
      await typeQuery(page, "#search-page-input", query);
      await page.waitForFunction(() => document.querySelector("#search-page-status").textContent !== "");
      const injected = await page.$$eval("#search-page-results script, #search-page-results img", (nodes) => nodes.length);
      check(injected === 0, `query ${JSON.stringify(query)} injects nothing`);
    }
    await typeQuery(page, "#search-page-input", "zzqxnotaword");
    await page.waitForSelector("#search-page-results .search-none");
    const none = await page.textContent("#search-page-results .search-none");
    check(none.startsWith("No results"), `a query with no match says so plainly: ${none}`);

    // Unknown addresses get the 404 page, styled, with working links.
    const response = await page.goto(`${base}postmortems/no-such-id/`);
    check(response.status() === 404 && (await page.textContent("h1")) === "Page not found", "unknown addresses get the 404 page");

    // A portable build opened from disk: scripts load over file:// too.
    if (portableDir) {
      await page.goto(`file://${path.resolve(portableDir, "index.html")}`);
      await typeQuery(page, "#site-search", "certificate");
      await page.waitForSelector("#site-search-results li.search-result a");
      const link = page.locator("#site-search-results li.search-result a").first();
      await Promise.all([page.waitForNavigation(), link.click()]);
      check(page.url().startsWith("file://") && page.url().endsWith("/index.html"), `search works from disk and opens ${page.url().split("/").slice(-3).join("/")}`);
    }

    if (failures.length > 0) throw new Error(failures.join("\n"));
    console.log(`time to first result: ${firstResultMs} ms`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error) => {
  console.error(`not ok - ${error.message}`);
  process.exit(1);
});
