// Dutch words for the codes in an answer ("licence:CE" -> "rijbewijs CE"),
// taken from the server's own taxonomy (GET /v1/competences and
// /v1/occupations), so the page never keeps a second copy of it.

const TAALEIS = {
  voldoet: "voldoet aan de taaleis",
  voldoet_niet: "voldoet niet aan de taaleis",
  vrijgesteld: "vrijgesteld van de taaleis",
  onbekend: "niveau Nederlands onbekend",
};

const FACET_TITLES = {
  licence: "Rijbewijzen",
  code95: "Code 95",
  certificate: "Certificaten",
  skill: "Vaardigheden",
  language: "Talen",
  experience: "Werkervaring",
};

const FACET_COLUMNS = {
  licence: "Rijbewijs",
  code95: "Code 95 bij",
  certificate: "Certificaat",
  skill: "Vaardigheid",
  language: "Taal",
  experience: "Ervaring",
};

const number = new Intl.NumberFormat("nl-NL");
const decimal = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 1 });
const score = new Intl.NumberFormat("nl-NL", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatNumber(n) {
  return number.format(n);
}

export function formatKm(km) {
  return typeof km === "number" ? decimal.format(km) + " km" : "onbekend";
}

export function formatScore(s) {
  return typeof s === "number" ? score.format(s) : "";
}

// "a", "a of b", "a, b of c".
export function joinOr(words) {
  if (words.length <= 1) return words.join("");
  return words.slice(0, -1).join(", ") + " of " + words[words.length - 1];
}

export function joinAnd(words) {
  if (words.length <= 1) return words.join("");
  return words.slice(0, -1).join(", ") + " en " + words[words.length - 1];
}

export class Labels {
  // competences and occupations: the "results" of the two taxonomy calls.
  constructor(competences, occupations) {
    this.competences = new Map();
    for (const c of competences) this.competences.set(c.kind + ":" + c.code, c);
    this.occupations = new Map();
    for (const o of occupations) this.occupations.set(o.code, o);
  }

  // Competences of one kind, in the taxonomy's order.
  ofKind(kind) {
    return [...this.competences.values()].filter((c) => c.kind === kind);
  }

  occupationList() {
    return [...this.occupations.values()];
  }

  occupation(code) {
    const o = this.occupations.get(code);
    return o ? o.label : code;
  }

  competence(kind, code) {
    const c = this.competences.get(kind + ":" + code);
    return c ? c.label : code;
  }

  // One requirement or preference term in Dutch.
  term(term) {
    const [kind, code, level] = String(term).split(":");
    switch (kind) {
      case "licence":
        return this.competence("licence", code);
      case "code95":
        return "code 95 bij " + this.competence("licence", code);
      case "language":
        return this.competence("language", code) + (level ? " " + level + " of hoger" : "");
      case "certificate":
      case "skill":
        return this.competence(kind, code);
      case "experience":
        return "werkervaring als " + this.occupation(code);
      default:
        return String(term);
    }
  }

  // An any-of group: "rijbewijs B, C1 of CE" rather than repeating the word.
  group(group) {
    const kinds = new Set(group.map((t) => t.split(":")[0]));
    if (kinds.size === 1 && (kinds.has("licence") || kinds.has("code95")) && group.length > 1) {
      const codes = group.map((t) => t.split(":")[1]);
      return (kinds.has("code95") ? "code 95 bij rijbewijs " : "rijbewijs ") + joinOr(codes);
    }
    return joinOr(group.map((t) => this.term(t)));
  }

  facetTitle(kind) {
    return FACET_TITLES[kind] || kind;
  }

  facetColumn(kind) {
    return FACET_COLUMNS[kind] || kind;
  }

  facetKey(kind, key) {
    return this.term(kind + ":" + key);
  }

  taaleis(status) {
    return TAALEIS[status] || status;
  }
}
