// entramap's HTML reports in a real browser: Debian's Chromium driven by playwright-core.
// Usage: node reports.mjs REPORTS_DIR SCREENSHOTS_DIR [--bench BIG_REPORT]
// Every page is opened from disk with every network request aborted and recorded; a check
// fails on any request, console error, page error or dialog. Exit 0 when all checks pass.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { statSync } from "node:fs";
import path from "node:path";

const [reports, screenshots, ...rest] = process.argv.slice(2);
const bench = rest[0] === "--bench" ? rest[1] : null;
const HOSTILE = "<img src=x onerror=alert(1)>";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
let failures = 0;
let passes = 0;

function check(name, ok, detail) {
  if (ok) {
    passes += 1;
    console.log(`ok   ${name}`);
  } else {
    failures += 1;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
}

// A page opened from disk, with what it tried: requests other than the file itself,
// console errors, uncaught errors, dialogs (an executed `alert`).
async function open(file) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const seen = { requests: [], errors: [], dialogs: [] };
  const url = pathToFileURL(file).href;
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u === url) {
      return route.continue();
    }
    seen.requests.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("request", (r) => {
    if (r.url() !== url && !seen.requests.includes(r.url())) {
      seen.requests.push(r.url());
    }
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      seen.errors.push(m.text());
    }
  });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  return { context, page, seen };
}

function clean(name, seen) {
  check(`${name}: no network request`, seen.requests.length === 0, seen.requests.join(", "));
  check(`${name}: no console or page error`, seen.errors.length === 0, seen.errors.join(" | "));
  check(`${name}: no dialog (no injected script ran)`, seen.dialogs.length === 0, seen.dialogs.join(", "));
}

async function rowsShown(page) {
  return page.locator("#rows tr.row").count();
}

// How many objects the table's filters match (every page of rows, from the count it shows).
async function matching(page) {
  const shown = await page.locator("#shown").textContent();
  const m = / of (\d+)/.exec(shown);
  return m ? Number(m[1]) : 0;
}

// Every bar of every cycle chart against the table: the filters "cycle N" and the bar's action
// (and status "failure", "skipped") match as many objects as the bar and its parts count.
async function chartsAgreeWithFilters(name, page) {
  const figures = page.locator("figure.cycle");
  const wrong = [];
  for (let i = 0; i < (await figures.count()); i += 1) {
    const figure = figures.nth(i);
    const cycle = /cycle (\d+)/.exec(await figure.locator("figcaption").textContent())[1];
    const titles = await figure.locator("rect:not(.bar-failed):not(.bar-skipped) title").allTextContents();
    for (const title of titles) {
      const m = /^(\w+): (\d+) objects?(?:, (\d+) failed)?(?:, (\d+) skipped)?$/.exec(title);
      if (!m) { wrong.push(`unreadable bar title ${title}`); continue; }
      const [, action, n, failed = "0", skipped = "0"] = m;
      if (n === "0") { continue; }
      await page.selectOption("#f-cycle", cycle);
      await page.selectOption("#f-action", action);
      for (const [status, want] of [["", n], ["failure", failed], ["skipped", skipped]]) {
        if (status && want === "0") { continue; }
        await page.selectOption("#f-status", status);
        const got = await matching(page);
        if (String(got) !== want) { wrong.push(`cycle ${cycle} ${action} ${status || "any status"}: chart ${want}, table ${got}`); }
      }
      await page.selectOption("#f-status", "");
    }
  }
  await page.selectOption("#f-cycle", "");
  await page.selectOption("#f-action", "");
  check(`${name}: every chart bar and its failed and skipped parts match the table's cycle, action and status filters`,
    wrong.length === 0, wrong.join(" / "));
}

// simulate: the objects table, its search and filters, an object's details, hostile text.
{
  const name = "simulate";
  const { context, page, seen } = await open(path.join(reports, "simulate.html"));
  await page.waitForSelector("#rows tr.row");
  const all = await rowsShown(page);
  check(`${name}: every object of the directory has a row`, all === 7, `${all} rows`);
  // A chart per cycle: objects per provisioning action, six bars each (the log's actions;
  // skipped is a status, a part of its action's bar).
  const charts = page.locator("figure.cycle");
  check(`${name}: a chart per cycle, of objects per provisioning action`,
    (await charts.count()) === 2 && (await charts.locator("svg rect:not(.bar-failed):not(.bar-skipped)").count()) === 12 &&
    (await charts.locator(".unit").first().textContent()).includes("objects per provisioning action; an object can appear under several"));
  // Cycle 1 creates 4 users and a group, one of them failed (the twin), and skips two
  // creates (out of scope, no matching value); the group's members are an update after
  // its create. The attributes table counts the creates' attributes.
  const bar = async (figure, action) => figure.locator(`rect.bar-${action} title`).textContent();
  const create = await bar(charts.first(), "create");
  check(`${name}: cycle 1's create bar counts objects by status: the failed twin, the two skipped`,
    create === "create: 7 objects, 1 failed, 2 skipped", create);
  const update = await bar(charts.first(), "update");
  check(`${name}: cycle 1's update bar counts the group created then given its members`, update === "update: 1 object", update);
  const written = await charts.first().locator("table.attributes tr", { hasText: /^displayName/ }).textContent();
  check(`${name}: the attributes written by the creates are counted`, written === "displayName4", written);
  const mallory = page.locator("#rows tr.row", { hasText: "mallory@contoso.com" });
  const shown = await mallory.locator(".display").textContent();
  check(`${name}: the hostile displayName is shown as text`, shown === HOSTILE, shown);
  check(`${name}: no element came from the data`,
    (await page.locator("img, #rows b, script[src]").count()) === 0);
  await page.screenshot({ path: path.join(screenshots, "simulate.png"), fullPage: true });

  await page.fill("#q", "mallory");
  await page.waitForFunction(() => document.querySelectorAll("#rows tr.row").length === 1);
  check(`${name}: the search filters the rows`, (await rowsShown(page)) === 1);
  await page.locator("#rows tr.row").first().click();
  const detail = page.locator("#rows tr.detail");
  await detail.locator(".object-detail").waitFor();
  const text = await detail.textContent();
  check(`${name}: opening an object shows the log's scoping step with its assignment path`,
    text.includes("EntrySynchronizationScoping") && text.includes("is in scope: active, assigned directly"), text.slice(0, 300));
  check(`${name}: opening an object shows its match query and result`,
    text.includes("EntryMatching") && text.includes('userName eq "mallory@contoso.com"`: no match'), text.slice(0, 600));
  check(`${name}: an entry is titled with its cycle number`, text.includes("cycle 1 · create · success"), text.slice(0, 200));
  check(`${name}: opening an object shows its exact requests`,
    text.includes("POST /Users HTTP/1.1") && text.includes('"displayName": "<img src=x onerror=alert(1)>"'));
  check(`${name}: the attributes written are listed`, (await detail.locator("table.modified td", { hasText: HOSTILE }).count()) >= 1);
  // The attribute table of cycle 1 (the create), as `entramap explain --cycle 1` shows it.
  const table = detail.locator(".attribute-table", { hasText: "attributes · cycle 1" });
  check(`${name}: opening an object shows its attribute table`, (await table.count()) === 1);
  const cells = async (target) => {
    const row = table.locator("tr").filter({ has: page.locator("td.target", { hasText: new RegExp(`^${target}$`) }) });
    return Object.fromEntries(await Promise.all(["source", "result", "sent", "why"].map(async (c) => [c, await row.locator(`td.${c}`).textContent()])));
  };
  const display = await cells("displayName");
  check(`${name}: the attribute table's displayName row: the hostile source value and result as text, sent`,
    display.source === HOSTILE && display.result === `"${HOSTILE}"` && display.sent === "sent", JSON.stringify(display));
  const upn = await cells("userName");
  check(`${name}: the attribute table's userName row: source, result and Entra's word for why`,
    upn.source === "mallory@contoso.com" && upn.result === '"mallory@contoso.com"' && upn.why === "sent modifiedProperties",
    JSON.stringify(upn));
  check(`${name}: still no element from the data after opening`, (await page.locator("img").count()) === 0);
  await page.screenshot({ path: path.join(screenshots, "simulate-object.png"), fullPage: true });

  await page.fill("#q", "");
  await page.selectOption("#f-status", "failure");
  await page.waitForFunction(() => document.querySelectorAll("#rows tr.row").length === 1);
  const failed = await page.locator("#rows tr.row").first().textContent();
  check(`${name}: the status filter finds the failed object with its error code`,
    failed.includes("Twin Two") && failed.includes("DuplicateSourceEntries"), failed);
  await page.selectOption("#f-status", "");
  await page.selectOption("#f-code", "DuplicateSourceEntries");
  check(`${name}: the error code filter`, (await rowsShown(page)) === 1);
  await page.selectOption("#f-code", "");
  await page.selectOption("#f-attribute", "title");
  check(`${name}: the attribute filter`, (await rowsShown(page)) === 2, `${await rowsShown(page)} rows`);
  await page.selectOption("#f-attribute", "");
  await page.selectOption("#f-code", "NotEffectivelyEntitled");
  const unassigned = await page.locator("#rows tr.row").allTextContents();
  check(`${name}: the code filter: the object the full cycle skipped as not assigned`,
    unassigned.length === 1 && unassigned[0].includes("grace.hopper") &&
    unassigned[0].includes("not assigned to the application"), unassigned.join(" / "));
  await page.selectOption("#f-code", "");
  await page.selectOption("#f-status", "skipped");
  const skipped = await page.locator("#rows tr.row").allTextContents();
  check(`${name}: the status filter: the objects evaluated and only skipped`,
    skipped.length === 2 && skipped[0].includes("no value for any matching attribute") &&
    skipped[1].includes("NotEffectivelyEntitled"), skipped.join(" / "));
  await page.selectOption("#f-status", "");
  // A row is the last cycle's verdict: Ada, created in cycle 1, is updated in cycle 2. The
  // action filter matches every action an object took, as the chart counts them: the group
  // created and then given its members in cycle 1 is an update too, and its row says so.
  await page.selectOption("#f-cycle", "2");
  await page.selectOption("#f-action", "update");
  const updated = await page.locator("#rows tr.row td").allTextContents();
  check(`${name}: cycle 2 and action update: the row by the action it shows, with its cycle`,
    updated.length === 6 && updated[0].includes("ada.lovelace") && updated[2] === "updatecycle 2" &&
    updated[3] === "success" && updated[4] === "", updated.join(" / "));
  await page.selectOption("#f-cycle", "1");
  const group = await page.locator("#rows tr.row td.action").allTextContents();
  check(`${name}: cycle 1 and action update: the group whose row is its create, the update beside it`,
    group.length === 1 && group[0] === "createcycle 1also update · success", group.join(" / "));
  await page.selectOption("#f-cycle", "");
  await page.selectOption("#f-action", "create");
  check(`${name}: action create in any cycle: every object Entra created or skipped creating`, (await matching(page)) === 7, `${await matching(page)}`);
  await page.selectOption("#f-action", "");
  await chartsAgreeWithFilters(name, page);
  clean(name, seen);
  await context.close();
}

// live: a run against a local SCIM server (SCIMMY): the findings grouped by cause, most serious
// first, each with the app's answer; the objects table with its search; nothing from the app
// becomes markup.
{
  const name = "live";
  const { context, page, seen } = await open(path.join(reports, "live.html"));
  const cards = page.locator("section.command-section").first().locator("article.card");
  const titles = await cards.locator("h3").allTextContents();
  check(`${name}: Test Connection first`, titles[0]?.includes("Test Connection passed"), titles[0]);
  // Each finding's tag is `severity · cause id`, in the order of live's severities.
  const order = ["ownership", "test-connection", "rejected", "endless-patch", "model-difference", "cleanup", "cosmetic"];
  const findings = [];
  for (let i = 0; i < (await cards.count()); i += 1) {
    const tag = await cards.nth(i).locator("h3 .tag").textContent().catch(() => null);
    if (tag && tag.includes(" · ")) {
      const [severity, cause] = tag.split(" · ");
      findings.push({ i, severity, cause });
    }
  }
  const causes = findings.map((f) => f.cause);
  check(`${name}: one card per cause: the manager string and the legacy string Boolean`,
    causes.length === 2 && causes.includes("manager-string") && causes.includes("string-boolean") && new Set(causes).size === causes.length,
    causes.join(", "));
  const ranks = findings.map((f) => order.indexOf(f.severity));
  check(`${name}: the findings are ordered most serious first`,
    ranks.every((r, k) => r >= 0 && (k === 0 || ranks[k - 1] <= r)), findings.map((f) => f.severity).join(", "));
  for (const f of findings) {
    const answer = cards.nth(f.i).locator("details[open] pre").first();
    const text = (await answer.isVisible()) ? await answer.textContent() : "";
    check(`${name}: ${f.cause}: the app's answer is on screen`, /answered 400/.test(text) && /expected/.test(text), text.slice(0, 200));
  }
  await page.screenshot({ path: path.join(screenshots, "live.png"), fullPage: true });
  await page.waitForSelector("#rows tr.row");
  await page.fill("#q", "jose.nunez");
  await page.waitForFunction(() => document.querySelectorAll("#rows tr.row").length === 1);
  const jose = await page.locator("#rows tr.row").first().textContent();
  check(`${name}: the search finds the object by name (prefixed as the app saw it)`,
    jose.includes("entramap-") && jose.includes("jose.nunez@contoso.com"), jose);
  await page.locator("#rows tr.row").first().click();
  const detail = page.locator("#rows tr.detail");
  await detail.locator(".object-detail").waitFor();
  const requests = (await detail.locator("pre.request").allTextContents()).join("\n");
  check(`${name}: the object's rejected request keeps the app's answer`,
    requests.includes("answered 400") && requests.includes("# answer") && requests.includes("'active' expected value type 'boolean'"), requests.slice(0, 400));
  check(`${name}: the object's attribute tables`, (await detail.locator(".attribute-table").count()) >= 1);
  await page.screenshot({ path: path.join(screenshots, "live-object.png"), fullPage: true });
  // One verdict per row: a success carries no error code, a failure always one; the last
  // cycle's chart counts as failed exactly the failed rows.
  await page.fill("#q", "");
  await page.waitForFunction(() => document.querySelectorAll("#rows tr.row").length > 1);
  const rows = await page.locator("#rows tr.row").evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const incoherent = rows.filter((r) => (r[3] === "success" && r[4] !== "") || (r[3] === "failure" && r[4] === ""));
  check(`${name}: every row's status and error code come from one entry`, rows.length > 1 && incoherent.length === 0,
    incoherent.map((r) => r.join(" · ")).join(" / "));
  const failedRows = rows.filter((r) => r[3] === "failure").length;
  const lastChart = page.locator("figure.cycle").last();
  const failedBars = await lastChart.locator("rect.bar-failed").evaluateAll((rs) => rs.map((r) => r.previousElementSibling.querySelector("title").textContent));
  const charted = failedBars.reduce((n, t) => n + Number(/(\d+) failed/.exec(t)[1]), 0);
  check(`${name}: the last cycle's chart counts the failed rows`, failedRows > 0 && charted === failedRows, `${charted} charted, ${failedRows} rows`);
  const manager = await page.locator("figure.cycle table.attributes td", { hasText: /:manager$/ }).count();
  check(`${name}: a manager the app rejected is never counted as written`, manager === 0, `${manager}`);
  // Cycle 1 created every assigned user (their POSTs answered 201), then failed their
  // manager updates: both show, as the attributes table beside them says.
  const firstChart = page.locator("figure.cycle").first();
  const createBar = await firstChart.locator("rect.bar-create title").textContent();
  const displayName = await firstChart.locator("table.attributes tr", { hasText: /^displayName/ }).textContent();
  const created = Number(/^create: (\d+) objects?/.exec(createBar)[1]) - Number((/(\d+) skipped/.exec(createBar) || [0, 0])[1]);
  check(`${name}: cycle 1's create bar counts every created object, its manager update failing or not`,
    !createBar.includes("failed") && displayName === `displayName${created}` && created >= 12, `${createBar} · ${displayName}`);
  // A failure of an earlier cycle stays findable: the cycle filter lists cycle 1's failures,
  // and a row whose last cycle did not fail says which cycle did.
  const cycleOneFailed = /update: \d+ objects?, (\d+) failed/.exec(await firstChart.locator("rect.bar-update title").textContent())[1];
  await page.selectOption("#f-cycle", "1");
  await page.selectOption("#f-status", "failure");
  const failedInOne = await matching(page);
  check(`${name}: cycle 1 and status failure list every object cycle 1 failed`,
    failedInOne === Number(cycleOneFailed) && failedInOne >= 8, `${failedInOne} rows, chart ${cycleOneFailed}`);
  const markers = await page.locator("#rows tr.row").evaluateAll((trs) => trs.map((tr) => [tr.cells[3].textContent, tr.cells[2].textContent]));
  const unmarked = markers.filter(([status, action]) => status !== "failure" && !/failed in cycles? 1\b/.test(action));
  check(`${name}: a row whose earlier cycle failed says so`,
    markers.some(([status]) => status !== "failure") && unmarked.length === 0, unmarked.map((m) => m.join(" · ")).join(" / "));
  await page.selectOption("#f-cycle", "");
  await page.selectOption("#f-status", "");
  await chartsAgreeWithFilters(name, page);
  clean(name, seen);
  await context.close();
}

// check: the findings with code, line and fix.
{
  const name = "check";
  const { context, page, seen } = await open(path.join(reports, "check.html"));
  const findings = await page.locator("#findings article").count();
  check(`${name}: findings are shown`, findings >= 1, `${findings}`);
  const first = await page.locator("#findings article").first().textContent();
  check(`${name}: a finding shows its code, its line and its fix`, /EM\d{3}/.test(first) && first.includes("line") && first.includes("fix"), first.slice(0, 200));
  check(`${name}: no objects table`, (await page.locator("#objects").count()) === 0);
  await page.screenshot({ path: path.join(screenshots, "check.png"), fullPage: true });
  clean(name, seen);
  await context.close();
}

// impact: the mapping change, then who is disabled.
{
  const name = "impact";
  const { context, page, seen } = await open(path.join(reports, "impact.html"));
  const sections = await page.locator("section.command-section").allTextContents();
  check(`${name}: what changes in the mapping comes first`, sections[0]?.includes("scoping filters changed"), sections[0]?.slice(0, 200));
  check(`${name}: who is disabled`, sections[1]?.includes("Disabled") && sections[1]?.includes("mallory@contoso.com"), sections[1]?.slice(0, 300));
  check(`${name}: a row change that writes nothing says why`,
    sections[0]?.includes("no object's value changes: the new values differ from the old only in case"), sections[0]?.slice(0, 400));
  await page.waitForSelector("#rows tr.row");
  await page.selectOption("#f-action", "disable");
  check(`${name}: the disabled objects in the table`, (await rowsShown(page)) === 2);
  await page.screenshot({ path: path.join(screenshots, "impact.png"), fullPage: true });
  clean(name, seen);
  await context.close();
}

// impact of a change that updates users: the "Updated" group and what the row wrote.
{
  const name = "impact (updates)";
  const { context, page, seen } = await open(path.join(reports, "impact-updated.html"));
  const sections = await page.locator("section.command-section").allTextContents();
  check(`${name}: the row change says how many objects it is written for`,
    sections[0]?.includes("title is written for 3 objects"), sections[0]?.slice(0, 300));
  const updated = page.locator("section.command-section article", { hasText: "Updated" });
  const names = await updated.locator("dd").allTextContents();
  check(`${name}: who is updated`, names.length === 3 && names[0].includes("ada.lovelace@contoso.com"), names.join(" / "));
  await page.waitForSelector("#rows tr.row");
  // The group is an `update` too, skipped as RedundantExport (a skipped entry's action is what
  // Entra would have done): the updated ones are the successes.
  await page.selectOption("#f-action", "update");
  await page.selectOption("#f-status", "success");
  check(`${name}: the updated objects in the table`, (await rowsShown(page)) === 3, `${await rowsShown(page)}`);
  clean(name, seen);
  await context.close();
}

// With JavaScript off (a mail client's preview), the page says the table needs it.
{
  const name = "no JavaScript";
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(pathToFileURL(path.join(reports, "simulate.html")).href, { waitUntil: "load" });
  const note = page.locator("p.noscript");
  check(`${name}: the page says the objects table needs JavaScript`,
    (await note.isVisible()) && (await note.textContent()).includes("needs JavaScript"));
  check(`${name}: the charts are there without it`, (await page.locator("figure.cycle svg").count()) === 2);
  await context.close();
}

// converge: each finding with its cause, the shrunk directory and the repeated request.
{
  const name = "converge";
  const { context, page, seen } = await open(path.join(reports, "converge.html"));
  const card = await page.locator("section.command-section article").first().textContent();
  check(`${name}: a finding with its cause, directory and repeated request`,
    card.includes("C1") && card.includes("smallest directory") && card.includes("PATCH"), card.slice(0, 300));
  await page.screenshot({ path: path.join(screenshots, "converge.png"), fullPage: true });
  clean(name, seen);
  await context.close();
}

// The 100,000-object page: how big, how soon something is painted, how soon rows are.
if (bench) {
  const size = statSync(bench).size;
  const started = Date.now();
  const { context, page, seen } = await open(bench);
  await page.waitForFunction(() => performance.getEntriesByName("entramap-table-ready").length > 0, null, { timeout: 120000 });
  const wall = Date.now() - started;
  const timing = await page.evaluate(() => {
    const paint = Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
    const nav = performance.getEntriesByType("navigation")[0];
    return {
      firstPaint: paint["first-paint"],
      firstContentfulPaint: paint["first-contentful-paint"],
      domContentLoaded: nav.domContentLoadedEventEnd,
      tableReady: performance.getEntriesByName("entramap-table-ready")[0].startTime,
      rows: document.querySelectorAll("#rows tr").length,
    };
  });
  console.log(`bench: ${(size / 1048576).toFixed(1)} MiB; first paint ${timing.firstPaint?.toFixed(0)} ms, first contentful paint ${timing.firstContentfulPaint?.toFixed(0)} ms, DOMContentLoaded ${timing.domContentLoaded.toFixed(0)} ms, rows ready ${timing.tableReady.toFixed(0)} ms (${timing.rows} rows in the document), open to rows ${wall} ms`);
  // The last object, found by its objectId among all of them, then opened.
  const last = await page.evaluate(() => {
    const rows = JSON.parse(document.getElementById("entramap-rows").textContent).rows;
    return rows[rows.length - 1][0];
  });
  let t0 = Date.now();
  await page.fill("#q", last);
  await page.waitForFunction(() => document.querySelectorAll("#rows tr.row").length === 1, null, { timeout: 60000 });
  const search = Date.now() - t0;
  t0 = Date.now();
  await page.locator("#rows tr.row").first().click();
  await page.locator("#rows tr.detail .object-detail").waitFor({ timeout: 60000 });
  const opened = Date.now() - t0;
  console.log(`bench: a search over every object ${search} ms (with the 120 ms debounce); opening the last object ${opened} ms`);
  check("bench: one page of rows in the document", timing.rows === 50, `${timing.rows}`);
  await page.screenshot({ path: path.join(screenshots, "big.png") });
  clean("bench", seen);
  await context.close();
}

await browser.close();
console.log(`${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
