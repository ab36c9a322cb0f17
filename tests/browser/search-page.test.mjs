// Browser tests of the search page (issue 7): playwright-core drives
// Debian's chromium, headless, against the real vaardigd on a loopback port.
// Every number the page shows is checked against the API's own answer to the
// same question; labels are checked against the taxonomy the API serves.

import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

import { Server, rawRequest } from "./server.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const FACETS = "licence,certificate";
const VACANCY = {
  title: "Vrachtwagenchauffeur nationaal",
  occupation: "vrachtwagenchauffeur",
  openings: 3,
  municipality: "Rotterdam",
  max_distance_km: 60,
  employer: "Transport Rijnmond BV",
};

let server;
let browser;
let labels; // "kind:code" -> Dutch label, from GET /v1/competences
let occupations; // code -> label, from GET /v1/occupations

before(async () => {
  server = await new Server().start();
  const competences = await server.api("GET", "/v1/competences?per_page=1000");
  labels = new Map(competences.json.results.map((c) => [`${c.kind}:${c.code}`, c.label]));
  const occ = await server.api("GET", "/v1/occupations?per_page=1000");
  occupations = new Map(occ.json.results.map((o) => [o.code, o.label]));
  const put = await server.api("PUT", "/v1/vacancies/wsp-test-1", VACANCY);
  assert.equal(put.status, 201, "the test vacancy is created");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox needs an unprivileged user; CI runs as root.
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    const log = server.logText();
    const crashed = !server.alive();
    server.stop();
    if (crashed) throw new Error("vaardigd is no longer running after the tests:\n" + log);
  }
});

// ---- helpers ---------------------------------------------------------------

// A fresh browser session (its own sessionStorage) on the page; requests[]
// collects every URL the page asks for.
async function openPage() {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1280, height: 1300 },
    locale: "nl-NL",
  });
  const page = await context.newPage();
  page.requests = [];
  page.on("request", (r) => page.requests.push(r.url()));
  // Script errors, and any file of the page that is missing. (Refused API
  // calls are part of the tests; the console's lines about them are not errors
  // of the page.)
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") &&
    page.errors.push(m.text()));
  page.on("response", (r) => r.status() === 404 && page.errors.push("404: " + r.url()));
  await page.goto(server.base + "/");
  return page;
}

async function signIn(page, role = "employer-service") {
  await page.fill("#token", server.tokens[role]);
  await page.click("#token-form button[type=submit]");
  await page.waitForSelector("#app", { state: "visible" });
}

// Waits for the answer to a search the action starts, and for the page to
// have shown it.
async function answered(page, action, part = "/v1/") {
  await Promise.all([page.waitForResponse((r) => r.url().includes(part)), action()]);
  await page.waitForFunction(() => !document.getElementById("status").textContent.startsWith("Bezig"));
}

async function search(page, text) {
  await page.fill("#q", text);
  await answered(page, () => page.press("#q", "Enter"), "/v1/search");
}

const digits = (text) => Number(String(text).replace(/[^0-9]/g, ""));

// The page's understood query as {dt text: dd text}.
async function understood(page) {
  return page.$$eval("#understood dt", (dts) =>
    Object.fromEntries(dts.map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])));
}

function label(term) {
  const [kind, code] = term.split(":");
  if (kind === "experience") return occupations.get(code);
  return labels.get(`${kind}:${code}`);
}

// A CSV file as the shortlist writes it: ";" between fields, RFC 4180 quotes.
function parseCSV(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  text = text.replace(/^\ufeff/, "");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ";") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

function q(text) {
  return "/v1/search?q=" + encodeURIComponent(text) + "&facets=" + FACETS;
}

// Checks that the page lists exactly the API's results, in its order, with
// its total and its taaleis annotations.
async function assertResultsMatch(page, answer) {
  assert.equal(await page.getAttribute("#total", "data-total"), String(answer.total), "total");
  assert.equal(digits((await page.textContent("#total")).split("aan")[0]), answer.total, "total as shown");
  const ids = await page.$$eval("#results li.candidate", (lis) => lis.map((li) => li.dataset.id));
  assert.deepEqual(ids, answer.results.map((r) => r.id), "the candidates, best first");
  const statuses = await page.$$eval("#results li.candidate", (lis) =>
    lis.map((li) => li.querySelector(".taaleis")?.dataset.status ?? null));
  assert.deepEqual(statuses, answer.results.map((r) => r.annotations?.taalhandhaving?.status ?? null),
    "each candidate's taaleis status");
}

// ---- the tests ---------------------------------------------------------------

test("the page and its files are served without a token, safely", async () => {
  const page = await rawRequest(server.port, "GET", "/");
  assert.equal(page.status, 200);
  assert.match(page.headers["content-type"], /^text\/html; charset=utf-8$/);
  assert.match(page.text, /<html lang="nl">/);
  assert.match(page.headers["content-security-policy"], /default-src 'self'/);
  assert.doesNotMatch(page.headers["content-security-policy"], /unsafe-inline|unsafe-eval|\*/);
  assert.equal(page.headers["x-content-type-options"], "nosniff");
  assert.ok(page.headers["cache-control"], "Cache-Control is set");
  assert.doesNotMatch(page.text, /(src|href)="(https?:)?\/\//, "no external resources");
  const types = { "favicon.svg": /^image\/svg\+xml$/, "app.js": /^text\/javascript/, "api.js": /^text\/javascript/, "labels.js": /^text\/javascript/,
    "render.js": /^text\/javascript/, "shortlist.js": /^text\/javascript/, "style.css": /^text\/css/ };
  for (const [name, type] of Object.entries(types)) {
    const r = await rawRequest(server.port, "GET", "/static/" + name);
    assert.equal(r.status, 200, name);
    assert.match(r.headers["content-type"], type, name);
    assert.equal(r.headers["x-content-type-options"], "nosniff", name);
    assert.doesNotMatch(r.text.replaceAll("http://www.w3.org/2000/svg", ""), /https?:\/\//, `${name} loads nothing from elsewhere`);
    const again = await rawRequest(server.port, "GET", "/static/" + name, { "If-None-Match": r.headers.etag });
    assert.equal(again.status, 304, `${name} revalidates with its ETag`);
  }
  for (const target of ["/static/..%2fcompetences.json", "/static/%2e%2e%2fcompetences.json", "/static/..",
    "/static/%2e%2e", "/static/competences.json", "/static/.app.js", "/static/app.js%00.css",
    "/static/APP.JS", "/static/app.js.bak", "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/nope.js"]) {
    const r = await rawRequest(server.port, "GET", target);
    assert.equal(r.status, 404, target);
    assert.match(r.headers["content-type"], /^application\/problem\+json/, target);
  }
  const post = await rawRequest(server.port, "POST", "/", {}, "");
  assert.equal(post.status, 405, "the page is only read");
});

test("the token is asked once and kept for the browser session only", async () => {
  const page = await openPage();
  assert.equal(await page.getAttribute("html", "lang"), "nl");
  assert.ok(await page.isVisible("#token-section"), "the token is asked");
  assert.ok(await page.isHidden("#app"));
  await page.fill("#token", "dit-is-geen-sleutel");
  await page.click("#token-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("token-error").textContent.includes("onbekend"));
  assert.equal(await page.evaluate(() => sessionStorage.getItem("vaardig.token")), null, "a wrong token is not kept");
  await signIn(page);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("vaardig.token")), server.tokens["employer-service"]);
  assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing in localStorage");
  await page.reload();
  await page.waitForSelector("#app", { state: "visible" });
  assert.ok(await page.isHidden("#token-section"), "not asked again in the same session");
  const other = await openPage();
  assert.ok(await other.isVisible("#token-section"), "a new browser session asks again");
  for (const url of [...page.requests, ...other.requests])
    assert.ok(url.startsWith(server.base + "/"), "only the server itself is asked: " + url);
  assert.deepEqual(page.errors, []);
  await page.context().close();
  await other.context().close();
});

test("a search shows the understood query, the exact total, the candidates and the counts", async () => {
  const page = await openPage();
  await signIn(page);
  const text = "40 chauffeurs in Rotterdam";
  await search(page, text);
  const api = (await server.api("GET", q(text))).json;
  assert.ok(api.total > 40, "the population has more than 40 chauffeurs: " + api.total);
  await assertResultsMatch(page, api);
  const u = await understood(page);
  assert.equal(u["Uw tekst"], text);
  assert.equal(digits(u.Aantal), api.query.count);
  assert.equal(u.Beroep, occupations.get(api.query.occupation));
  assert.match(u.Plaats, /Rotterdam/);
  const groups = await page.$$eval("#understood dd ul li", (lis) => lis.map((li) => li.textContent));
  for (const code of api.query.require[0].map((t) => t.split(":")[1]))
    assert.match(groups[0], new RegExp(`\\b${code}\\b`), `the licence requirement names ${code}`);
  assert.match(await page.textContent("#status"), new RegExp(api.total.toLocaleString("nl-NL").replace(".", "\\.")));
  // Counts per licence and certificate among all who qualify.
  assert.ok(api.facets, "the search answers facets");
  for (const [kind, counts] of Object.entries(api.facets)) {
    const shown = await page.$$eval(`table[data-facet="${kind}"] tbody tr[data-key]`, (rows) =>
      rows.map((r) => [r.dataset.key, r.querySelector("td").textContent, r.querySelector("th").textContent]));
    assert.deepEqual(Object.fromEntries(shown.map(([k, n]) => [k, digits(n)])), counts, `${kind} counts`);
    for (const [key, , name] of shown) assert.equal(name, labels.get(`${kind}:${key}`), `${kind} ${key} label`);
  }
  assert.deepEqual(page.errors, []);
  if (process.env.VAARDIG_SCREENSHOT) {
    await page.click("#results li.candidate summary");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: process.env.VAARDIG_SCREENSHOT });
  }
  await page.context().close();
});

test("a candidate's explanation says which competence met which requirement", async () => {
  const page = await openPage();
  await signIn(page);
  const text = "10 vrachtwagenchauffeurs met VCA";
  await search(page, text);
  const api = (await server.api("GET", q(text))).json;
  assert.ok(api.results.length > 0, "someone qualifies");
  await assertResultsMatch(page, api);
  for (const [i, result] of api.results.entries()) {
    const li = page.locator("#results li.candidate").nth(i);
    await li.locator("summary").click();
    assert.equal(await li.locator("details").getAttribute("open"), "", "the explanation opens");
    const reasons = await li.locator(".reasons li").evaluateAll((lis) =>
      lis.map((l) => ({ require: Number(l.dataset.require), requirement: l.querySelector(".requirement").textContent,
        by: l.querySelector(".met-by").textContent })));
    assert.equal(reasons.length, result.met.length, "one line per requirement");
    for (const [j, m] of result.met.entries()) {
      assert.equal(reasons[j].require, m.require);
      const [kind, code] = m.by.split(":");
      if (kind === "code95") assert.equal(reasons[j].by, "code 95 bij " + labels.get("licence:" + code));
      else assert.equal(reasons[j].by, label(m.by), `${result.id}: met by ${m.by}`);
      for (const t of api.query.require[m.require]) {
        const [k, c] = t.split(":");
        if (k === "licence" || k === "code95") assert.match(reasons[j].requirement, new RegExp(`\\b${c}\\b`), t);
        else assert.ok(reasons[j].requirement.includes(label(t)), `requirement names ${t}`);
      }
    }
    const preferred = await li.locator(".preferred").textContent();
    if (result.preferred.length === 0) assert.equal(preferred, "Geen van de voorkeuren.");
    for (const t of result.preferred) assert.ok(preferred.includes(label(t)), `${result.id} prefers ${t}`);
    const distance = await li.locator(".distance").textContent();
    if (typeof result.distance_km === "number")
      assert.equal(distance, result.distance_km.toLocaleString("nl-NL", { maximumFractionDigits: 1 }) + " km");
  }
  await page.context().close();
});

test("an unknown word gets a Dutch message with the server's suggestions", async () => {
  const page = await openPage();
  await signIn(page);
  await search(page, "3 kokkerellers in Rotterdam");
  const api = await server.api("GET", q("3 kokkerellers in Rotterdam"));
  assert.equal(api.status, 422);
  assert.ok(await page.isVisible("#problem"), "the problem is shown");
  assert.equal(await page.getAttribute("#problem", "role"), "alert");
  assert.ok(await page.isHidden("#results-section"), "no results beside the problem");
  const message = await page.textContent("#problem");
  assert.match(message, /niet begrepen/);
  assert.match(message, /„kokkerellers” kennen we niet als beroep/);
  const suggestions = await page.$$eval("#problem button.suggestion", (bs) => bs.map((b) => b.textContent));
  assert.deepEqual(suggestions, api.json.errors[0].suggestions);
  await answered(page, () => page.click("#problem button.suggestion >> nth=0"), "/v1/search");
  const fixed = `3 ${suggestions[0]} in Rotterdam`;
  assert.equal(await page.inputValue("#q"), fixed, "the suggestion takes the word's place");
  const again = await server.api("GET", q(fixed));
  assert.equal(again.status, 200);
  assert.ok(await page.isHidden("#problem"));
  await assertResultsMatch(page, again.json);
  await page.context().close();
});

test("the understood query can be adjusted and searched again", async () => {
  const page = await openPage();
  await signIn(page);
  await search(page, "25 chauffeurs in Rotterdam");
  await page.click("#adjust summary");
  assert.equal(await page.inputValue("#adj-count"), "25");
  assert.equal(await page.inputValue("#adj-occupation"), "chauffeur");
  assert.equal(await page.inputValue("#adj-place"), "Rotterdam");
  await page.fill("#adj-count", "15");
  await page.fill("#adj-km", "20");
  await page.selectOption("#adj-kind", "certificate");
  await page.selectOption("#adj-code", "vca-basis");
  await answered(page, () => page.click("#adjust-form button[type=submit]"), "/v1/search");
  const api = (await server.api("POST", "/v1/search", {
    count: 15, occupation: "chauffeur", require: [["certificate:vca-basis"]],
    near: { municipality: "Rotterdam", km: 20 }, facets: FACETS.split(","),
  })).json;
  await assertResultsMatch(page, api);
  const u = await understood(page);
  assert.equal(u.Plaats, "binnen 20 km van Rotterdam");
  assert.match(u.Eisen, /VCA basis/);
  // The added requirement is now the query's own: it can be dropped again.
  assert.equal(await page.getAttribute("#adjust", "open"), "", "the form stays open for another change");
  await page.uncheck("#adj-require-list input >> nth=0");
  await page.fill("#adj-km", "");
  await answered(page, () => page.click("#adjust-form button[type=submit]"), "/v1/search");
  const wider = (await server.api("POST", "/v1/search", {
    count: 15, occupation: "chauffeur", in: "Rotterdam", facets: FACETS.split(","),
  })).json;
  await assertResultsMatch(page, wider);
  await page.context().close();
});

test("candidates reachable through a work-and-language trajectory are a separate list", async () => {
  const page = await openPage();
  await signIn(page);
  const text = "20 chauffeurs met Nederlands B1";
  await search(page, text);
  const api = (await server.api("GET", q(text))).json;
  await assertResultsMatch(page, api);
  const list = api.lists?.werktaal;
  if (server.plugins.includes("werktaal")) assert.ok(list, "the werktaal plugin answers a list");
  if (!list) {
    assert.ok(await page.isHidden("#werktaal-section"));
  } else {
    assert.ok(await page.isVisible("#werktaal-section"));
    assert.equal(await page.getAttribute("#werktaal-total", "data-total"), String(list.total));
    const rows = await page.$$eval("#werktaal tbody tr", (trs) =>
      trs.map((tr) => [...tr.children].slice(0, 4).map((c) => c.textContent)));
    assert.deepEqual(rows.map((r) => r[0]), list.results.map((r) => r.id));
    for (const [i, r] of list.results.entries()) {
      assert.equal(rows[i][1], r.has || "onbekend");
      assert.equal(rows[i][2], r.needs);
      if (r.trajectory) assert.equal(rows[i][3], `${r.trajectory.weeks} weken, ${r.trajectory.hours_per_week} uur per week`);
    }
    if (list.total > 0) assert.match(await page.textContent("#status"), /werk-taaltraject/);
  }
  await page.context().close();
});

test("a vacancy's view shows its matches", async () => {
  const page = await openPage();
  await signIn(page);
  const options = await page.$$eval("#vacancy option", (os) => os.map((o) => o.value));
  assert.ok(options.includes("wsp-test-1"), "the vacancy is listed");
  await page.selectOption("#vacancy", "wsp-test-1");
  await page.fill("#vacancy-count", "12");
  await answered(page, () => page.click("#vacancy-form button[type=submit]"), "/v1/vacancies/wsp-test-1/matches");
  const api = (await server.api("GET", "/v1/vacancies/wsp-test-1/matches?count=12&facets=" + FACETS)).json;
  assert.ok(api.total > 0, "someone qualifies for the vacancy");
  await assertResultsMatch(page, api);
  const u = await understood(page);
  assert.match(u.Vacature, /Vrachtwagenchauffeur nationaal \(wsp-test-1\)/);
  assert.equal(u.Beroep, occupations.get("vrachtwagenchauffeur"));
  assert.equal(u.Plaats, "binnen 60 km van Rotterdam");
  assert.equal(await page.evaluate(() => document.activeElement.id), "understood-heading", "focus goes to the answer");
  assert.equal(new URL(page.url()).hash, "#vacature=wsp-test-1");
  // The view can be linked to.
  const linked = await openPage();
  await signIn(linked);
  await linked.goto(server.base + "/#vacature=wsp-test-1");
  await linked.reload();
  await linked.waitForFunction(() => document.getElementById("total").dataset.total !== undefined);
  await assertResultsMatch(linked, (await server.api("GET", "/v1/vacancies/wsp-test-1/matches?count=20")).json);
  await page.context().close();
  await linked.context().close();
});

// Presses Tab until predicate(activeElement) holds; returns the focus path.
async function tabTo(page, what, predicate, max = 150) {
  const path = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const here = await page.evaluate(predicate);
    path.push(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName));
    if (here) return path;
  }
  throw new Error(`Tab never reached ${what}: ${path.join(" > ")}`);
}

test("everything works by keyboard alone: sign in, search, explanation, shortlist, CSV", async () => {
  const page = await openPage();
  await tabTo(page, "the skip link", () => document.activeElement.classList.contains("skip-link"), 1);
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main", "the skip link leads to the content");
  await tabTo(page, "the token", () => document.activeElement.id === "token", 5);
  await page.keyboard.type(server.tokens["employer-service"]);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#app", { state: "visible" });
  await page.waitForFunction(() => document.activeElement.id === "q");
  const text = "12 chauffeurs in Rotterdam";
  await page.keyboard.type(text);
  await answered(page, () => page.keyboard.press("Enter"), "/v1/search");
  const api = (await server.api("GET", q(text))).json;
  await assertResultsMatch(page, api);
  const first = api.results[0];

  await tabTo(page, "the first explanation", () =>
    document.activeElement.matches("#results li.candidate:first-child summary"));
  const outline = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  assert.notEqual(outline.style, "none", "focus is visible");
  assert.ok(outline.width >= 2, "focus outline at least 2px");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("#results li.candidate >> nth=0").locator("details").getAttribute("open"), "");
  assert.ok(await page.locator("#results li.candidate >> nth=0").locator(".reasons").isVisible());

  await tabTo(page, "the first shortlist box", () =>
    document.activeElement.matches("#results li.candidate:first-child input[type=checkbox]"), 10);
  await page.keyboard.press("Space");
  await page.waitForFunction(() => document.getElementById("shortlist-count").textContent.startsWith("1 kandidaat"));
  await tabTo(page, "the download button", () => document.activeElement.id === "download", 300);
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  assert.match(download.suggestedFilename(), /^shortlist-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = parseCSV(fs.readFileSync(await download.path(), "utf8"));
  assert.deepEqual(csv[0], ["kandidaat", "lijst", "zoekvraag", "score", "afstand_km", "voldoet_aan", "voorkeuren",
    "taaleis", "traject"]);
  assert.equal(csv.length, 2, "one candidate on the shortlist");
  const row = Object.fromEntries(csv[0].map((k, i) => [k, csv[1][i]]));
  assert.equal(row.kandidaat, first.id);
  assert.equal(row.lijst, "voldoet");
  assert.equal(row.zoekvraag, text);
  assert.equal(row.score, first.score.toFixed(2).replace(".", ","));
  if (typeof first.distance_km === "number")
    assert.equal(row.afstand_km, first.distance_km.toLocaleString("nl-NL", { maximumFractionDigits: 1 }));
  for (const m of first.met) assert.ok(row.voldoet_aan.includes(label(m.by)), `CSV names ${m.by}`);
  for (const t of first.preferred) assert.ok(row.voorkeuren.includes(label(t)), `CSV names ${t}`);
  if (first.annotations?.taalhandhaving) assert.ok(row.taaleis.length > 0, "CSV has the taaleis status");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("accessible: labels, live regions, one h1 and text contrast of at least 4.5:1", async () => {
  const page = await openPage();
  await signIn(page);
  await search(page, "3 kokkerellers");
  await search(page, "20 chauffeurs met Nederlands B1 in Rotterdam");
  await page.click("#results li.candidate summary");
  await page.click("#adjust summary");
  await page.check("#results li.candidate input[type=checkbox]");
  const report = await page.evaluate(() => {
    const problems = [];
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    for (const el of document.querySelectorAll("input, select, textarea"))
      if (visible(el) && el.type !== "hidden" && el.labels.length === 0 && !el.getAttribute("aria-label"))
        problems.push("no label: " + (el.id || el.outerHTML.slice(0, 60)));
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    let checked = 0;
    for (const el of document.querySelectorAll("body *")) {
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!hasText || !visible(el) || el.closest(":disabled") || el.tagName === "OPTION") continue;
      const fg = lum(rgb(getComputedStyle(el).color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      checked++;
      if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)}: ${el.tagName} ${el.textContent.trim().slice(0, 40)}`);
    }
    return {
      problems,
      checked,
      h1: document.querySelectorAll("h1").length,
      live: document.getElementById("status").getAttribute("aria-live"),
      alert: document.getElementById("problem").getAttribute("role"),
      skip: document.querySelector("a.skip-link").getAttribute("href"),
    };
  });
  assert.deepEqual(report.problems, []);
  assert.ok(report.checked > 50, "the contrast check saw the page: " + report.checked);
  assert.equal(report.h1, 1);
  assert.equal(report.live, "polite");
  assert.equal(report.alert, "alert");
  assert.equal(report.skip, "#main");
  await page.context().close();
});
