// Time and bytes to a reader's first search result, in headless Chromium.
//
//   node bench/first-result.mjs SITE_DIR QUERY [QUERY ...]
//
// SITE_DIR is a portable build (no base URL), served here on 127.0.0.1.
// For each query, in a fresh page: milliseconds from the first keystroke to
// the first result shown, and the search files downloaded, raw and as gzip
// would send them. Needs playwright-core (npm ci --prefix tests/e2e) and
// Debian's chromium.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/e2e/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [siteDir, ...queries] = process.argv.slice(2);
const root = path.resolve(siteDir);
const server = http.createServer((request, response) => {
  let file = path.join(root, decodeURIComponent(new URL(request.url, "http://x").pathname));
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!file.startsWith(root) || !fs.existsSync(file)) {
    response.writeHead(404);
    response.end();
    return;
  }
  response.writeHead(200);
  response.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});

for (const query of queries) {
  const page = await browser.newPage();
  const fetched = [];
  page.on("requestfinished", (request) => {
    const url = new URL(request.url());
    if (url.pathname.includes("/search/") || url.pathname.endsWith("elasticlunr.min.js")) {
      fetched.push(path.join(root, decodeURIComponent(url.pathname)));
    }
  });
  await page.goto(base);
  const started = Date.now();
  await page.type("#site-search", query, { delay: 0 });
  await page.waitForSelector("#site-search-results li", { timeout: 60000 });
  const ms = Date.now() - started;
  await page.waitForTimeout(200);
  const raw = fetched.reduce((sum, file) => sum + fs.statSync(file).size, 0);
  const gz = fetched.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(file)).length, 0);
  const results = await page.$$eval("#site-search-results li.search-result", (items) => items.length);
  console.log(
    `${JSON.stringify(query)}: first result in ${ms} ms; ${results} results; ` +
      `${fetched.length} files, ${(raw / 1024).toFixed(0)} kB raw, ${(gz / 1024).toFixed(0)} kB gzipped`,
  );
  await page.close();
}
await browser.close();
server.close();
