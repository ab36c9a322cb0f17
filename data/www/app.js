// The search page: sign in once with a token, ask in words, see how the
// question was understood, adjust it, pick candidates for a shortlist.

import { ApiError, all, api, forgetToken, getToken, setToken } from "./api.js";
import { Labels, formatNumber } from "./labels.js";
import { el, renderFacets, renderProblem, renderResults, renderUnderstood, renderWerktaal } from "./render.js";
import { Shortlist } from "./shortlist.js";

// The counts asked for with every search (API.md, "facets").
const FACETS = ["licence", "certificate"];

const $ = (id) => document.getElementById(id);
const shortlist = new Shortlist();
const state = { labels: null, answer: null, search: "", prefer: [], exclude: [] };

// ---- signing in -----------------------------------------------------------

// With a message (after a refusal or signing out) the keyboard goes to the
// field; on arrival it stays at the top, so the skip link comes first.
function showTokenForm(message) {
  $("app").hidden = true;
  $("forget-token").hidden = true;
  $("token-section").hidden = false;
  $("token-error").textContent = message || "";
  $("token").value = "";
  if (message) $("token").focus();
}

// Loads the taxonomy with the stored token: the first call that needs it,
// so a wrong token is found out here.
async function enter() {
  try {
    const [competences, occupations] = await Promise.all([all("v1/competences"), all("v1/occupations")]);
    state.labels = new Labels(competences, occupations);
  } catch (e) {
    if (e.status === 401 || e.status === 403) forgetToken();
    showTokenForm(e.status === 401 ? "Deze toegangssleutel is onbekend. Controleer hem en probeer het opnieuw."
      : e.status === 403 ? "Met deze toegangssleutel mag u niet zoeken."
      : "De server is niet bereikbaar. Probeer het zo nog eens.");
    return;
  }
  $("token-section").hidden = true;
  $("app").hidden = false;
  $("forget-token").hidden = false;
  fillOccupations();
  $("q").focus();
  await loadVacancies();
  const m = /^#vacature=(.+)$/.exec(location.hash);
  if (m) showVacancy(decodeURIComponent(m[1]), Number($("vacancy-count").value) || 20);
}

function onTokenSubmit(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) {
    $("token-error").textContent = "Vul de toegangssleutel in.";
    $("token").focus();
    return;
  }
  setToken(token);
  enter();
}

function signOut() {
  forgetToken();
  shortlist.clear();
  for (const id of ["understood-section", "results-section", "werktaal-section"]) $(id).hidden = true;
  $("status").textContent = "";
  $("problem").hidden = true;
  showTokenForm("U bent afgemeld.");
}

// ---- searching -----------------------------------------------------------

function hideAnswer() {
  for (const id of ["understood-section", "results-section", "werktaal-section"]) $(id).hidden = true;
}

// Runs one search (request: a promise of the answer) and shows the answer.
// search: how the shortlist names where a candidate came from.
async function run(request, search, context) {
  $("status").textContent = "Bezig met zoeken…";
  $("problem").hidden = true;
  let answer;
  try {
    answer = await request;
  } catch (e) {
    hideAnswer();
    $("status").textContent = "";
    if (e.status === 401) {
      forgetToken();
      showTokenForm("Uw toegangssleutel is niet meer geldig. Meld u opnieuw aan.");
      return false;
    }
    renderProblem($("problem"), e instanceof ApiError ? e : new ApiError(0, {}), onSuggestion);
    return false;
  }
  show(answer, search, context);
  return true;
}

function show(answer, search, context) {
  const labels = state.labels;
  state.answer = answer;
  state.search = search;
  renderUnderstood($("understood"), answer.query, labels, context);
  fillAdjust(answer.query);
  renderResults($("total"), $("results"), answer, labels, shortlist, search);
  renderFacets($("facets"), answer.facets, labels);
  const werktaal = answer.lists && answer.lists.werktaal;
  renderWerktaal($("werktaal-section"), werktaal, labels, shortlist, search);
  $("understood-section").hidden = false;
  $("results-section").hidden = false;
  let status = $("total").textContent;
  if (werktaal && werktaal.total > 0)
    status += ` ${formatNumber(werktaal.total)} meer met een werk-taaltraject.`;
  $("status").textContent = status;
}

function searchText(text) {
  const q = encodeURIComponent(text) + "&facets=" + FACETS.join(",");
  return run(api("GET", "v1/search?q=" + q), text, null);
}

function onSearchSubmit(event) {
  event.preventDefault();
  const text = $("q").value.trim();
  if (!text) {
    hideAnswer();
    $("status").textContent = "";
    renderProblem($("problem"), new ApiError(400, { errors: [{ pointer: "/q", detail: "typ eerst wie u zoekt." }] }), onSuggestion);
    $("q").focus();
    return;
  }
  history.replaceState(null, "", location.pathname + location.search);
  searchText(text);
}

// A suggestion chosen from a refused search: put it in place of the word.
function onSuggestion(error, suggestion) {
  if (error.word) {
    const q = $("q");
    const escaped = error.word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const replaced = q.value.replace(new RegExp(escaped, "i"), suggestion);
    q.value = replaced === q.value ? `${q.value} ${suggestion}` : replaced;
    q.focus();
    searchText(q.value.trim());
  } else if (/^\/(in|near)/.test(error.pointer || "")) {
    $("adj-place").value = suggestion;
    $("adjust").open = true;
    $("adj-place").focus();
  }
}

// ---- adjusting the understood query --------------------------------------

function fillOccupations() {
  const select = $("adj-occupation");
  const occupations = state.labels.occupationList().sort((a, b) => a.label.localeCompare(b.label, "nl"));
  select.replaceChildren(el("option", { value: "" }, "(geen beroep)"),
    ...occupations.map((o) => el("option", { value: o.code }, o.label)));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The form shows the query's own parts; the occupation brings the rest.
function fillAdjust(query) {
  const occupation = state.labels.occupations.get(query.occupation);
  const own = (occupation && occupation.require) || [];
  const ownPrefer = (occupation && occupation.prefer) || [];
  $("adj-count").value = query.count || "";
  $("adj-occupation").value = query.occupation || "";
  const list = $("adj-require-list");
  const extra = (query.require || []).filter((g) => !own.some((o) => same(o, g)));
  list.replaceChildren(...extra.map((g, i) => {
    const box = el("input", { type: "checkbox", id: "adj-req-" + i, checked: true });
    box.dataset.group = JSON.stringify(g);
    return el("div", { className: "check" }, box, el("label", { htmlFor: box.id }, state.labels.group(g)));
  }));
  if (!extra.length) list.append(el("p", { className: "hint" }, "Geen."));
  state.prefer = (query.prefer || []).filter((t) => !ownPrefer.includes(t));
  state.exclude = query.exclude || [];
  $("adj-place").value = (query.near && query.near.municipality) || (query.in && query.in.municipality) || "";
  $("adj-km").value = (query.near && query.near.km) || "";
  $("adj-kind").value = "";
  onKindChange();
}

function onKindChange() {
  const kind = $("adj-kind").value;
  const code = $("adj-code");
  let options = [];
  if (kind === "experience")
    options = state.labels.occupationList().map((o) => [o.code, o.label]);
  else if (kind === "code95")
    options = state.labels.ofKind("licence").filter((c) => c.code95).map((c) => [c.code, c.label]);
  else if (kind)
    options = state.labels.ofKind(kind).map((c) => [c.code, c.label]);
  options.sort((a, b) => a[1].localeCompare(b[1], "nl"));
  code.replaceChildren(...options.map(([value, label]) => el("option", { value }, label)));
  code.disabled = !kind;
  $("adj-level").disabled = kind !== "language";
}

function adjustedQuery() {
  const body = { facets: FACETS };
  const count = Number($("adj-count").value);
  if ($("adj-count").value !== "") body.count = count;
  if ($("adj-occupation").value) body.occupation = $("adj-occupation").value;
  body.require = [...$("adj-require-list").querySelectorAll("input:checked")].map((b) => JSON.parse(b.dataset.group));
  const kind = $("adj-kind").value;
  if (kind && $("adj-code").value)
    body.require.push([kind + ":" + $("adj-code").value + (kind === "language" ? ":" + $("adj-level").value : "")]);
  if (state.prefer.length) body.prefer = state.prefer;
  if (state.exclude.length) body.exclude = state.exclude;
  const place = $("adj-place").value.trim();
  const km = $("adj-km").value;
  if (place && km !== "") body.near = { municipality: place, km: Number(km) };
  else if (place) body.in = place;
  return body;
}

function onAdjustSubmit(event) {
  event.preventDefault();
  const search = (state.search || "zoekvraag") + " (aangepast)";
  history.replaceState(null, "", location.pathname + location.search);
  run(api("POST", "v1/search", adjustedQuery()), search, null);
}

// ---- vacancies -----------------------------------------------------------

async function loadVacancies() {
  const select = $("vacancy");
  try {
    state.vacancies = await all("v1/vacancies");
  } catch (e) {
    select.replaceChildren(el("option", { value: "" }, "(de vacatures konden niet worden geladen)"));
    return;
  }
  select.replaceChildren(...(state.vacancies.length
    ? state.vacancies.map((v) => el("option", { value: v.id },
      [v.title || v.id, v.employer, v.municipality].filter(Boolean).join(" — ") + ` (${v.id})`))
    : [el("option", { value: "" }, "(geen vacatures)")]));
}

async function showVacancy(id, count) {
  const vacancy = state.vacancies.find((v) => v.id === id) || { id };
  $("vacancy").value = id;
  const path = `v1/vacancies/${encodeURIComponent(id)}/matches?count=${count}&facets=${FACETS.join(",")}`;
  const search = "vacature " + id;
  if (await run(api("GET", path), search, { vacancy })) {
    history.replaceState(null, "", "#vacature=" + encodeURIComponent(id));
    // The answer is above this form: take the keyboard there.
    $("understood-heading").focus();
  }
}

function onVacancySubmit(event) {
  event.preventDefault();
  const id = $("vacancy").value;
  if (!id) return;
  const count = Math.max(1, Math.min(1000, Number($("vacancy-count").value) || 20));
  showVacancy(id, count);
}

// ---- the shortlist -------------------------------------------------------

function renderShortlist() {
  const n = shortlist.entries.length;
  $("shortlist-count").textContent = n === 0 ? "Nog niemand op de shortlist."
    : `${formatNumber(n)} ${n === 1 ? "kandidaat" : "kandidaten"} op de shortlist.`;
  $("shortlist").replaceChildren(...shortlist.entries.map((e) => {
    const remove = el("button", { type: "button", className: "secondary small" }, "Verwijderen",
      el("span", { className: "visually-hidden" }, ` (${e.id})`));
    remove.addEventListener("click", () => {
      shortlist.remove(e.id);
      $("shortlist-heading").focus();
    });
    return el("li", { "data-id": e.id }, el("span", null, `${e.id} — ${e.list}` + (e.search ? ` (${e.search})` : "")), " ", remove);
  }));
  for (const box of document.querySelectorAll("input[data-candidate]"))
    box.checked = shortlist.has(box.dataset.candidate);
}

function onDownload() {
  if (!shortlist.entries.length) {
    $("shortlist-count").textContent = "De shortlist is leeg: zet eerst kandidaten op de shortlist.";
    return;
  }
  const today = new Date().toISOString().slice(0, 10);
  shortlist.download(`shortlist-${today}.csv`);
  $("shortlist-count").textContent = `Shortlist gedownload (${formatNumber(shortlist.entries.length)} kandidaten).`;
}

// ---- start ---------------------------------------------------------------

function start() {
  $("token-form").addEventListener("submit", onTokenSubmit);
  $("forget-token").addEventListener("click", signOut);
  $("search-form").addEventListener("submit", onSearchSubmit);
  $("adjust-form").addEventListener("submit", onAdjustSubmit);
  $("adj-kind").addEventListener("change", onKindChange);
  $("vacancy-form").addEventListener("submit", onVacancySubmit);
  $("reload-vacancies").addEventListener("click", loadVacancies);
  $("download").addEventListener("click", onDownload);
  $("clear-shortlist").addEventListener("click", () => shortlist.clear());
  $("understood-heading").tabIndex = -1;
  $("shortlist-heading").tabIndex = -1;
  shortlist.onChange(renderShortlist);
  renderShortlist();
  if (getToken()) enter();
  else showTokenForm("");
}

start();
