// Turning answers into page content. Everything is built as DOM nodes with
// text content, never as HTML strings, so nothing in an answer can become
// markup.

import { formatKm, formatNumber, formatScore, joinAnd } from "./labels.js";

// el("p", {className: "x"}, "text", child, ...): attributes that are DOM
// properties are set as such, "data-*" and "aria-*" as attributes.
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("data-") || key.startsWith("aria-") || key === "role") node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A dt/dd pair; in a dl of class "facts" each pair is kept together in a
// div, so that a wrapping line never parts a name from its value.
function definition(dl, term, ...details) {
  const pair = [el("dt", null, term), el("dd", null, ...details)];
  if (dl.classList.contains("facts")) dl.append(el("div", null, pair));
  else dl.append(...pair);
}

// The query as the server understood it. context: {vacancy} when these are
// a vacancy's matches.
export function renderUnderstood(dl, query, labels, context) {
  dl.replaceChildren();
  if (context && context.vacancy) {
    const v = context.vacancy;
    definition(dl, "Vacature", `${v.title || v.id} (${v.id})` + (v.employer ? `, ${v.employer}` : ""));
  }
  if (query.text) definition(dl, "Uw tekst", query.text);
  const count = formatNumber(query.count) +
    (query.count_lowered_from ? ` (verlaagd van ${formatNumber(query.count_lowered_from)}: meer kan niet in één keer)` : "");
  definition(dl, "Aantal", count);
  definition(dl, "Beroep", query.occupation ? labels.occupation(query.occupation) : "geen: alleen de eisen hieronder");
  const require = query.require || [];
  definition(dl, "Eisen", require.length
    ? el("ul", null, require.map((g) => el("li", null, labels.group(g))))
    : "geen");
  const prefer = query.prefer || [];
  if (prefer.length) definition(dl, "Voorkeuren", el("ul", null, prefer.map((t) => el("li", null, labels.term(t)))));
  if (query.exclude && query.exclude.length)
    definition(dl, "Niet", el("ul", null, query.exclude.map((t) => el("li", null, labels.term(t)))));
  if (query.near) definition(dl, "Plaats", `binnen ${formatNumber(query.near.km)} km van ${query.near.municipality}`);
  else if (query.in) definition(dl, "Plaats", `wie in ${query.in.municipality} woont eerst, daarna anderen`);
  else definition(dl, "Plaats", "heel Nederland");
}

// Which preferences of the query the candidate has, and which not.
function preferenceSplit(query, result) {
  const had = new Set(result.preferred || []);
  return {
    met: (query.prefer || []).filter((t) => had.has(t)).concat((result.preferred || []).filter((t) => !(query.prefer || []).includes(t))),
    missed: (query.prefer || []).filter((t) => !had.has(t)),
  };
}

function metText(query, result, labels) {
  return (result.met || []).map((m) => labels.term(m.by));
}

// The shortlist's record of a result, in the words the page shows.
export function shortlistEntry(result, query, labels, search, list) {
  const prefs = preferenceSplit(query, result);
  const taaleis = result.annotations && result.annotations.taalhandhaving;
  return {
    id: result.id,
    list,
    search,
    score: typeof result.score === "number" ? formatScore(result.score) : "",
    distance: typeof result.distance_km === "number" ? formatKm(result.distance_km).replace(" km", "") : "",
    met: joinAnd(metText(query, result, labels)),
    preferred: joinAnd(prefs.met.map((t) => labels.term(t))),
    taaleis: taaleis && taaleis.status ? labels.taaleis(taaleis.status) : "",
    trajectory: "",
  };
}

function shortlistToggle(id, shortlist, entry, what) {
  const box = el("input", { type: "checkbox", id: "sl-" + what + "-" + id, checked: shortlist.has(id) });
  box.dataset.candidate = id;
  box.addEventListener("change", () => (box.checked ? shortlist.add(entry()) : shortlist.remove(id)));
  return el("div", { className: "shortlist-toggle" }, box,
    el("label", { htmlFor: box.id }, "Op de shortlist", el("span", { className: "visually-hidden" }, ` (${id})`)));
}

// Plugin annotations other than the taaleis status, shown as they come.
function otherAnnotations(result) {
  const items = [];
  for (const [plugin, value] of Object.entries(result.annotations || {})) {
    if (plugin === "taalhandhaving") continue;
    const text = value && typeof value === "object"
      ? Object.entries(value).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ")
      : String(value);
    items.push(el("li", null, `${plugin}: ${text}`));
  }
  return items;
}

function explanation(result, query, labels) {
  const require = query.require || [];
  const prefs = preferenceSplit(query, result);
  const reasons = el("ul", { className: "reasons" }, (result.met || []).map((m) =>
    el("li", { "data-require": m.require },
      el("span", { className: "requirement" }, `Eis: ${require[m.require] ? labels.group(require[m.require]) : "eis " + (m.require + 1)}`),
      " — voldaan met ", el("strong", { className: "met-by" }, labels.term(m.by)))));
  const details = el("details", { className: "explanation" },
    el("summary", null, "Waarom deze kandidaat?", el("span", { className: "visually-hidden" }, ` (${result.id})`)),
    el("h4", null, "Eisen"), reasons,
    el("h4", null, "Voorkeuren"),
    el("p", { className: "preferred" }, prefs.met.length ? "Heeft: " + joinAnd(prefs.met.map((t) => labels.term(t))) : "Geen van de voorkeuren."),
    prefs.missed.length ? el("p", { className: "missed" }, "Heeft niet: " + joinAnd(prefs.missed.map((t) => labels.term(t)))) : null,
    el("p", null, "Afstand tot de plaats van de vraag: " + formatKm(result.distance_km) + "."));
  const others = otherAnnotations(result);
  if (others.length) details.append(el("h4", null, "Aanvullingen"), el("ul", null, others));
  return details;
}

function candidate(result, rank, query, labels, shortlist, search) {
  const taaleis = result.annotations && result.annotations.taalhandhaving;
  const facts = el("dl", { className: "facts" });
  definition(facts, "Voldoet met", joinAnd(metText(query, result, labels)) || "—");
  definition(facts, "Afstand", el("span", { className: "distance" }, formatKm(result.distance_km)));
  definition(facts, "Score", el("span", { className: "score" }, formatScore(result.score)));
  if (taaleis && taaleis.status)
    definition(facts, "Taaleis", el("span", { className: "badge taaleis taaleis-" + taaleis.status, "data-status": taaleis.status }, labels.taaleis(taaleis.status)));
  return el("li", { className: "candidate", "data-id": result.id },
    el("h3", null, el("span", { className: "rank" }, rank + ". "), result.id),
    facts, explanation(result, query, labels),
    shortlistToggle(result.id, shortlist, () => shortlistEntry(result, query, labels, search, "voldoet"), "r"));
}

// The count line and the candidates, best first.
export function renderResults(total, list, answer, labels, shortlist, search) {
  const shown = answer.results.length;
  total.dataset.total = answer.total;
  total.textContent = answer.total === 0
    ? "Niemand voldoet aan alle eisen."
    : `${formatNumber(answer.total)} ${answer.total === 1 ? "kandidaat voldoet" : "kandidaten voldoen"} aan alle eisen` +
      (shown < answer.total ? `; de beste ${formatNumber(shown)} staan hieronder.` : "; allemaal hieronder.");
  list.replaceChildren(...answer.results.map((r, i) => candidate(r, i + 1, answer.query, labels, shortlist, search)));
}

// Counts per licence, certificate, ... among all who qualify.
export function renderFacets(box, facets, labels) {
  box.replaceChildren();
  for (const [kind, counts] of Object.entries(facets || {})) {
    const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const table = el("table", { className: "facet", "data-facet": kind },
      el("caption", null, `${labels.facetTitle(kind)} onder wie voldoen`),
      el("thead", null, el("tr", null, el("th", { scope: "col" }, labels.facetColumn(kind)), el("th", { scope: "col" }, "Aantal"))),
      el("tbody", null, rows.length
        ? rows.map(([key, n]) => el("tr", { "data-key": key }, el("th", { scope: "row" }, labels.facetKey(kind, key)), el("td", { className: "count" }, formatNumber(n))))
        : el("tr", null, el("td", { colSpan: 2 }, "niemand"))));
    box.append(table);
  }
}

// The werktaal plugin's list: people who meet every requirement but Dutch.
export function renderWerktaal(section, list, labels, shortlist, search) {
  const tbody = section.querySelector("tbody");
  const totalLine = section.querySelector("#werktaal-total");
  if (!list) {
    section.hidden = true;
    tbody.replaceChildren();
    return;
  }
  section.hidden = false;
  const shown = (list.results || []).length;
  totalLine.dataset.total = list.total;
  totalLine.textContent = list.total === 0
    ? "Niemand komt met een werk-taaltraject in aanmerking."
    : `${formatNumber(list.total)} ${list.total === 1 ? "kandidaat voldoet" : "kandidaten voldoen"} aan alle eisen behalve het niveau Nederlands` +
      (shown < list.total ? `; de eerste ${formatNumber(shown)} staan hieronder.` : ".");
  tbody.replaceChildren(...(list.results || []).map((r) => {
    const t = r.trajectory || {};
    const trajectory = t.weeks ? `${t.weeks} weken, ${t.hours_per_week} uur per week` : "—";
    const entry = () => ({ id: r.id, list: "werk-taaltraject", search, score: "", distance: "",
      met: "", preferred: "", taaleis: "", trajectory: `Nederlands van ${r.has || "?"} naar ${r.needs}: ${trajectory}` });
    return el("tr", { "data-id": r.id },
      el("th", { scope: "row" }, r.id), el("td", null, r.has || "onbekend"), el("td", null, r.needs || ""),
      el("td", null, trajectory), el("td", null, shortlistToggle(r.id, shortlist, entry, "w")));
  }));
}

function problemKind(detail) {
  if (/occupation/.test(detail)) return "beroep";
  if (/municipalit/.test(detail)) return "gemeente";
  if (/competence|certificate|licence|language|skill/.test(detail)) return "bekwaamheid";
  return null;
}

const FIELDS = {
  "/q": "zoekvraag", "/count": "aantal", "/occupation": "beroep", "/require": "eisen",
  "/prefer": "voorkeuren", "/in": "plaats", "/near": "plaats", "/near/km": "afstand",
  "/near/municipality": "plaats",
};

function fieldName(pointer) {
  if (FIELDS[pointer]) return FIELDS[pointer];
  const m = /^\/require\/(\d+)/.exec(pointer || "");
  if (m) return "eis " + (Number(m[1]) + 1);
  return pointer || "vraag";
}

// A refused search, in Dutch, with the server's suggestions as buttons.
// onSuggestion(error entry, suggestion) is called when one is chosen.
export function renderProblem(box, error, onSuggestion) {
  box.replaceChildren();
  box.hidden = false;
  if (error.status === 0) {
    box.append(el("p", null, "De server is niet bereikbaar. Probeer het zo nog eens."));
    return;
  }
  const problem = error.problem || {};
  const intro = error.status === 422 || error.status === 400
    ? "Uw zoekvraag is niet begrepen."
    : error.status === 403 ? "U mag dit niet met deze toegangssleutel."
    : error.status === 404 ? "Niet gevonden."
    : `De server kon de vraag niet beantwoorden (fout ${error.status}).`;
  box.append(el("p", { className: "problem-title" }, intro));
  const items = (problem.errors || []).map((e) => {
    const kind = problemKind(e.detail || "");
    const text = e.word
      ? `Het woord „${e.word}” kennen we niet${kind ? " als " + kind : ""}.`
      : `Bij ${fieldName(e.pointer)}: ${e.detail}`;
    const li = el("li", { "data-pointer": e.pointer || "" }, text);
    if (e.suggestions && e.suggestions.length) {
      li.append(" Bedoelt u: ");
      e.suggestions.forEach((s, i) => {
        const b = el("button", { type: "button", className: "suggestion" }, s);
        b.addEventListener("click", () => onSuggestion(e, s));
        li.append(i ? " " : "", b);
      });
    }
    return li;
  });
  if (items.length) box.append(el("ul", null, items));
  else if (problem.detail) box.append(el("p", null, `De server meldt: ${problem.detail}`));
}
