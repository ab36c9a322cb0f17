// The shortlist: candidates picked from any search or vacancy, kept for
// this browser tab (like the token) and downloadable as CSV.

const KEY = "vaardig.shortlist";

// The CSV columns: name in the header line, and how to read an entry.
const COLUMNS = [
  ["kandidaat", (e) => e.id],
  ["lijst", (e) => e.list],
  ["zoekvraag", (e) => e.search],
  ["score", (e) => e.score],
  ["afstand_km", (e) => e.distance],
  ["voldoet_aan", (e) => e.met],
  ["voorkeuren", (e) => e.preferred],
  ["taaleis", (e) => e.taaleis],
  ["traject", (e) => e.trajectory],
];

// A field as RFC 4180 has it, with ";" between fields as Dutch spreadsheet
// programs expect; a leading = + - @ is defused so that a spreadsheet never
// runs a cell as a formula.
function csvField(value) {
  let text = value === undefined || value === null ? "" : String(value);
  if (/^[=+\-@]/.test(text)) text = "'" + text;
  return /[";\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

export class Shortlist {
  constructor() {
    this.entries = [];
    this.listeners = [];
    try {
      this.entries = JSON.parse(sessionStorage.getItem(KEY)) || [];
    } catch (e) {
      this.entries = [];
    }
  }

  onChange(fn) {
    this.listeners.push(fn);
  }

  changed() {
    sessionStorage.setItem(KEY, JSON.stringify(this.entries));
    for (const fn of this.listeners) fn(this);
  }

  has(id) {
    return this.entries.some((e) => e.id === id);
  }

  // entry: {id, list, search, score, distance, met, preferred, taaleis, trajectory}.
  add(entry) {
    if (this.has(entry.id)) return;
    this.entries.push(entry);
    this.changed();
  }

  remove(id) {
    this.entries = this.entries.filter((e) => e.id !== id);
    this.changed();
  }

  clear() {
    this.entries = [];
    this.changed();
  }

  toCSV() {
    const lines = [COLUMNS.map(([name]) => name).join(";")];
    for (const e of this.entries) lines.push(COLUMNS.map(([, get]) => csvField(get(e))).join(";"));
    return lines.join("\r\n") + "\r\n";
  }

  // Offers the CSV as a file; the byte-order mark makes spreadsheet
  // programs read it as UTF-8.
  download(filename) {
    const blob = new Blob(["\ufeff" + this.toCSV()], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}
