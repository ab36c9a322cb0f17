#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "places.h"

/* Look-up keys are folded names. Each key carries the rank of the list it came
 * from, so that an official name wins over an alias and an alias over a
 * woonplaats name, whatever the order of loading. */
typedef enum key_rank {
	RANK_OFFICIAL = 0, /* official name or CBS code */
	RANK_ALIAS,
	RANK_WOONPLAATS,
} key_rank_t;

typedef struct place_key {
	char *key; /* folded; NULL marks a free slot */
	key_rank_t rank;
	/* The municipalities this key names. More than one only for a woonplaats
	 * name found in several municipalities: ambiguous, not resolved by a
	 * look-up, but offered by vd_places_suggest. */
	unsigned *munis;
	size_t n_munis;
} place_key_t;

struct vd_places {
	vd_municipality_t *munis;
	size_t n_munis;
	place_key_t *slots; /* open addressing, linear probing */
	size_t n_slots;     /* a power of two, at least twice the keys */
	size_t n_keys;
};

/* ---- folding ---------------------------------------------------------- */

/* Base letters of U+00C0..U+017F; '*' is handled in fold_special. */
static const char latin_base[] = "aaaaaa*ceeeeiiii"  /* U+00C0 */
                                 "dnooooo*ouuuuy**"  /* U+00D0 */
                                 "aaaaaa*ceeeeiiii"  /* U+00E0 */
                                 "dnooooo*ouuuuy*y"  /* U+00F0 */
                                 "aaaaaaccccccccdd"  /* U+0100 */
                                 "ddeeeeeeeeeegggg"  /* U+0110 */
                                 "gggghhhhiiiiiiii"  /* U+0120 */
                                 "ii**jjkkklllllll"  /* U+0130 */
                                 "lllnnnnnnnnnoooo"  /* U+0140 */
                                 "oo**rrrrrrssssss"  /* U+0150 */
                                 "ssttttttuuuuuuuu"  /* U+0160 */
                                 "uuuuwwyyyzzzzzzs"; /* U+0170 */
_Static_assert(sizeof(latin_base) - 1 == 0x180 - 0xC0, "one base letter per code point");

static const char *
fold_special(uint32_t cp)
{
	switch (cp) {
	case 0xC6:
	case 0xE6:
		return "ae";
	case 0xDE:
	case 0xFE:
		return "th";
	case 0xDF:
		return "ss";
	case 0x132:
	case 0x133:
		return "ij";
	case 0x152:
	case 0x153:
		return "oe";
	default:
		return NULL; /* U+00D7 and U+00F7 are not letters: kept as they are */
	}
}

/* Decodes one UTF-8 sequence at s; returns its length, 0 when invalid. */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t len;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2, min = 0x80, *cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, min = 0x800, *cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past Unicode are invalid. */
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return len;
}

static bool
is_fold_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
	       cp == 0xA0;
}

/* The folding of vd_fold (taxonomy.h), kept here so that the gazetteer does
 * not depend on the taxonomy module: ASCII lower-cased, Latin diacritics
 * dropped (Súdwest-Fryslân -> sudwest-fryslan), typographic apostrophes made
 * plain ('s-Gravenhage), white space collapsed to one space and trimmed.
 * Returns a new malloc'd string, or NULL for invalid UTF-8 or no memory. */
static char *
fold(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t cap = 2 * strlen(text) + 1; /* a 2-byte letter folds to at most 2 bytes */
	char *out = malloc(cap), *w = out;
	bool space = false;

	if (!out)
		return NULL;
	while (*s) {
		uint32_t cp;
		size_t len = utf8_decode(s, &cp);
		const char *special;

		if (len == 0) {
			free(out);
			return NULL;
		}
		if (is_fold_space(cp)) {
			space = w != out;
			s += len;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		if (cp >= 'A' && cp <= 'Z') {
			*w++ = (char)(cp - 'A' + 'a');
		} else if (cp == 0x2018 || cp == 0x2019) {
			*w++ = '\'';
		} else if (cp >= 0xC0 && cp < 0x180 && (special = fold_special(cp)) != NULL) {
			w = stpcpy(w, special);
		} else if (cp >= 0xC0 && cp < 0x180 && latin_base[cp - 0xC0] != '*') {
			*w++ = latin_base[cp - 0xC0];
		} else {
			memcpy(w, s, len);
			w += len;
		}
		s += len;
	}
	*w = '\0';
	return out;
}

/* ---- errors ------------------------------------------------------------ */

static void
set_error(char **error, const char *fmt, ...)
{
	va_list ap;

	if (!error)
		return;
	va_start(ap, fmt);
	if (vasprintf(error, fmt, ap) < 0)
		*error = NULL;
	va_end(ap);
}

/* ---- RFC 4180 reader ---------------------------------------------------- */

#define CSV_MAX_FIELDS 8

/* A whole file in memory, read record by record. Fields are unquoted in place,
 * so they point into buf and live as long as it does. */
typedef struct csv {
	const char *path;
	char *buf;
	size_t len;
	size_t pos;
	unsigned long line; /* line of the next record */
	char *field[CSV_MAX_FIELDS];
	size_t n_fields;
} csv_t;

static void
csv_close(csv_t *csv)
{
	free(csv->buf);
	csv->buf = NULL;
}

static vd_status_t
csv_open(csv_t *csv, const char *path, char **error)
{
	FILE *f = NULL;
	vd_status_t status = VD_OK;
	long size;

	memset(csv, 0, sizeof(*csv));
	csv->path = path;
	csv->line = 1;
	f = fopen(path, "rb");
	if (!f) {
		set_error(error, "%s: %s", path, strerror(errno));
		return VD_ERR_IO;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		set_error(error, "%s: cannot determine the file size: %s", path, strerror(errno));
		status = VD_ERR_IO;
		goto out_close;
	}
	csv->buf = malloc((size_t)size + 1);
	if (!csv->buf) {
		status = VD_ERR_NOMEM;
		goto out_close;
	}
	if (fread(csv->buf, 1, (size_t)size, f) != (size_t)size) {
		set_error(error, "%s: read error", path);
		status = VD_ERR_IO;
		free(csv->buf);
		csv->buf = NULL;
		goto out_close;
	}
	csv->buf[size] = '\0';
	csv->len = (size_t)size;
	/* Fields are C strings: a NUL byte would cut one short without a word. */
	const char *nul = memchr(csv->buf, '\0', csv->len);
	if (nul) {
		unsigned long line = 1;
		for (const char *s = csv->buf; s < nul; s++)
			line += *s == '\n';
		set_error(error, "%s:%lu: NUL byte in the file", path, line);
		status = VD_ERR_INVALID;
		csv_close(csv);
		goto out_close;
	}
	/* An editor's byte-order mark is not part of the first column's name. */
	if (csv->len >= 3 && memcmp(csv->buf, "\xEF\xBB\xBF", 3) == 0)
		csv->pos = 3;
out_close:
	fclose(f);
	return status;
}

/* Reads one quoted field starting at the opening quote; *w is where the
 * unquoted text goes. Returns false (with *error set) on a broken quote. */
static bool
csv_quoted(csv_t *csv, char **w, unsigned long start_line, char **error)
{
	char *buf = csv->buf;

	csv->pos++; /* the opening quote */
	for (;;) {
		if (csv->pos >= csv->len) {
			set_error(error, "%s:%lu: quoted field is not closed", csv->path,
			          start_line);
			return false;
		}
		char c = buf[csv->pos];
		if (c == '"') {
			if (csv->pos + 1 < csv->len && buf[csv->pos + 1] == '"') {
				*(*w)++ = '"';
				csv->pos += 2;
				continue;
			}
			csv->pos++;
			break;
		}
		/* RFC 4180 allows line breaks in quoted fields, but no name in
		 * these files has one: an unclosed quote is the likelier cause,
		 * and reporting it here names the right line. */
		if (c == '\n' || c == '\r') {
			set_error(error, "%s:%lu: quoted field is not closed on its line",
			          csv->path, start_line);
			return false;
		}
		*(*w)++ = c;
		csv->pos++;
	}
	char next = csv->pos < csv->len ? buf[csv->pos] : '\n';
	if (next != ',' && next != '\n' && next != '\r') {
		set_error(error, "%s:%lu: text after the closing quote of a field", csv->path,
		          csv->line);
		return false;
	}
	return true;
}

/* Reads the next record into csv->field. Returns VD_OK and sets *got, or
 * VD_ERR_INVALID with a message naming file and line. *got is false at the
 * end of the file. */
static vd_status_t
csv_next(csv_t *csv, bool *got, unsigned long *line, char **error)
{
	char *buf = csv->buf;

	*got = false;
	if (csv->pos >= csv->len)
		return VD_OK;
	*line = csv->line;
	csv->n_fields = 0;
	for (;;) {
		char *w = buf + csv->pos;
		if (csv->n_fields == CSV_MAX_FIELDS) {
			set_error(error, "%s:%lu: more than %d fields", csv->path, *line,
			          CSV_MAX_FIELDS);
			return VD_ERR_INVALID;
		}
		csv->field[csv->n_fields++] = w;
		if (buf[csv->pos] == '"') {
			if (!csv_quoted(csv, &w, *line, error))
				return VD_ERR_INVALID;
		} else {
			while (csv->pos < csv->len && buf[csv->pos] != ',' &&
			       buf[csv->pos] != '\n' && buf[csv->pos] != '\r') {
				if (buf[csv->pos] == '"') {
					set_error(error,
					          "%s:%lu: double quote inside an unquoted field",
					          csv->path, csv->line);
					return VD_ERR_INVALID;
				}
				w++, csv->pos++;
			}
		}
		/* The separator has been read, so the terminator may overwrite it. */
		char sep = csv->pos < csv->len ? buf[csv->pos] : '\n';
		*w = '\0';
		if (sep == ',') {
			csv->pos++;
			continue;
		}
		if (sep == '\r') {
			if (csv->pos + 1 >= csv->len || buf[csv->pos + 1] != '\n') {
				set_error(error, "%s:%lu: carriage return without line feed",
				          csv->path, csv->line);
				return VD_ERR_INVALID;
			}
			csv->pos++;
		}
		csv->pos++; /* the line feed, or past the end */
		csv->line++;
		break;
	}
	*got = true;
	return VD_OK;
}

/* Reads the header and checks it names exactly the expected columns. */
static vd_status_t
csv_header(csv_t *csv, const char *const *columns, size_t n, char **error)
{
	unsigned long line = 0;
	bool got;
	vd_status_t status = csv_next(csv, &got, &line, error);

	if (status != VD_OK)
		return status;
	if (!got) {
		set_error(error, "%s:1: the file is empty; expected a header row", csv->path);
		return VD_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		if (csv->n_fields != n || strcmp(csv->field[i], columns[i]) != 0) {
			set_error(error,
			          "%s:%lu: header does not match; expected column %zu to be '%s'",
			          csv->path, line, i + 1, columns[i]);
			return VD_ERR_INVALID;
		}
	}
	return VD_OK;
}

/* Reads the next data record and checks its field count and encoding. */
static vd_status_t
csv_record(csv_t *csv, size_t n, bool *got, unsigned long *line, char **error)
{
	vd_status_t status = csv_next(csv, got, line, error);

	if (status != VD_OK || !*got)
		return status;
	if (csv->n_fields != n) {
		set_error(error, "%s:%lu: %zu fields, the header has %zu", csv->path, *line,
		          csv->n_fields, n);
		return VD_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		const unsigned char *s = (const unsigned char *)csv->field[i];
		uint32_t cp;
		size_t len;

		if (!*s) {
			set_error(error, "%s:%lu: field %zu is empty", csv->path, *line, i + 1);
			return VD_ERR_INVALID;
		}
		for (; *s; s += len) {
			len = utf8_decode(s, &cp);
			if (len == 0 || cp < 0x20 || cp == 0x7F) {
				set_error(error,
				          "%s:%lu: field %zu is not UTF-8 text without control "
				          "characters",
				          csv->path, *line, i + 1);
				return VD_ERR_INVALID;
			}
		}
	}
	return VD_OK;
}

/* ---- field parsers ------------------------------------------------------ */

static bool
parse_double(const char *text, double min, double max, double *out)
{
	char *end;

	/* strtod would also take leading blanks, hex and "inf". */
	if (!(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) || strpbrk(text, "xX"))
		return false;
	errno = 0;
	*out = strtod(text, &end);
	return errno == 0 && end != text && *end == '\0' && isfinite(*out) && *out >= min &&
	       *out <= max;
}

static bool
parse_code(const char *text)
{
	if (strlen(text) != 6 || text[0] != 'G' || text[1] != 'M')
		return false;
	for (int i = 2; i < 6; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return true;
}

/* ---- the key table ------------------------------------------------------ */

static uint64_t
hash_key(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const unsigned char *s = (const unsigned char *)key; *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return h;
}

static place_key_t *
find_slot(const vd_places_t *places, const char *key)
{
	size_t mask = places->n_slots - 1;
	size_t i = (size_t)hash_key(key) & mask;

	while (places->slots[i].key && strcmp(places->slots[i].key, key) != 0)
		i = (i + 1) & mask;
	return &places->slots[i];
}

static vd_status_t
grow_table(vd_places_t *places)
{
	size_t old_n = places->n_slots;
	place_key_t *old = places->slots;
	size_t n = old_n ? old_n * 2 : 1024;

	places->slots = calloc(n, sizeof(*places->slots));
	if (!places->slots) {
		places->slots = old;
		return VD_ERR_NOMEM;
	}
	places->n_slots = n;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].key)
			*find_slot(places, old[i].key) = old[i];
	free(old);
	return VD_OK;
}

typedef enum add_result {
	ADD_OK,
	ADD_NOMEM,
	ADD_CONFLICT, /* the same name already names another municipality */
} add_result_t;

static add_result_t
slot_set(place_key_t *slot, key_rank_t rank, unsigned muni)
{
	unsigned *one = malloc(sizeof(*one));

	if (!one)
		return ADD_NOMEM;
	*one = muni;
	free(slot->munis);
	slot->munis = one;
	slot->n_munis = 1;
	slot->rank = rank;
	return ADD_OK;
}

/* Adds key (not yet folded) for municipality muni at the given rank. A better
 * rank replaces a worse one; two official names or two aliases that fold
 * alike but name different municipalities are a conflict in the data; a
 * woonplaats name in several municipalities becomes ambiguous. */
static add_result_t
add_key(vd_places_t *places, const char *name, key_rank_t rank, unsigned muni)
{
	char *key;
	place_key_t *slot;

	if (2 * (places->n_keys + 1) > places->n_slots && grow_table(places) != VD_OK)
		return ADD_NOMEM;
	key = fold(name);
	if (!key)
		return ADD_NOMEM; /* the reader already refused invalid UTF-8 */
	slot = find_slot(places, key);
	if (!slot->key) {
		slot->key = key;
		places->n_keys++;
		return slot_set(slot, rank, muni);
	}
	free(key);
	if (rank > slot->rank)
		return ADD_OK;
	if (rank < slot->rank)
		return slot_set(slot, rank, muni);
	for (size_t i = 0; i < slot->n_munis; i++)
		if (slot->munis[i] == muni)
			return ADD_OK;
	if (rank != RANK_WOONPLAATS)
		return ADD_CONFLICT;
	unsigned *more = realloc(slot->munis, (slot->n_munis + 1) * sizeof(*more));
	if (!more)
		return ADD_NOMEM;
	more[slot->n_munis++] = muni;
	slot->munis = more;
	return ADD_OK;
}

/* ---- loading ------------------------------------------------------------ */

static const vd_municipality_t *
muni_by_code(const vd_places_t *places, const char *code)
{
	for (size_t i = 0; i < places->n_munis; i++)
		if (strcmp(places->munis[i].code, code) == 0)
			return &places->munis[i];
	return NULL;
}

static vd_status_t
add_municipality(vd_places_t *places, csv_t *csv, unsigned long line, size_t *cap, char **error)
{
	vd_municipality_t *m;
	char **f = csv->field;
	char *end;
	long population;
	double lat, lon;

	if (!parse_code(f[0])) {
		set_error(error, "%s:%lu: '%s' is not a CBS municipality code (GM + 4 digits)",
		          csv->path, line, f[0]);
		return VD_ERR_INVALID;
	}
	if (muni_by_code(places, f[0])) {
		set_error(error, "%s:%lu: code %s occurs twice", csv->path, line, f[0]);
		return VD_ERR_INVALID;
	}
	if (!parse_double(f[3], -90, 90, &lat) || !parse_double(f[4], -180, 180, &lon)) {
		set_error(error, "%s:%lu: lat/lon '%s', '%s' is not a WGS84 coordinate", csv->path,
		          line, f[3], f[4]);
		return VD_ERR_INVALID;
	}
	errno = 0;
	population = strtol(f[5], &end, 10);
	if (f[5][0] < '0' || f[5][0] > '9' || errno != 0 || *end != '\0') {
		set_error(error, "%s:%lu: population '%s' is not a whole number", csv->path, line,
		          f[5]);
		return VD_ERR_INVALID;
	}
	if (places->n_munis == *cap) {
		size_t n = *cap ? *cap * 2 : 512;
		vd_municipality_t *more = realloc(places->munis, n * sizeof(*more));
		if (!more)
			return VD_ERR_NOMEM;
		places->munis = more;
		*cap = n;
	}
	m = &places->munis[places->n_munis];
	memset(m, 0, sizeof(*m));
	m->code = strdup(f[0]);
	m->name = strdup(f[1]);
	m->province = strdup(f[2]);
	places->n_munis++; /* counted now so that vd_places_free frees the strings */
	if (!m->code || !m->name || !m->province)
		return VD_ERR_NOMEM;
	m->lat = lat;
	m->lon = lon;
	m->population = population;
	m->index = (unsigned)(places->n_munis - 1);
	return VD_OK;
}

static vd_status_t
load_gemeenten(vd_places_t *places, const char *path, char **error)
{
	static const char *const columns[] = {"code", "name", "province",
	                                      "lat",  "lon",  "population"};
	csv_t csv;
	vd_status_t status;
	size_t cap = 0;
	unsigned long line;
	bool got;

	status = csv_open(&csv, path, error);
	if (status != VD_OK)
		return status;
	status = csv_header(&csv, columns, 6, error);
	while (status == VD_OK) {
		status = csv_record(&csv, 6, &got, &line, error);
		if (status != VD_OK || !got)
			break;
		status = add_municipality(places, &csv, line, &cap, error);
	}
	if (status == VD_OK && places->n_munis == 0) {
		set_error(error, "%s: no municipalities", path);
		status = VD_ERR_INVALID;
	}
	csv_close(&csv);
	return status;
}

/* Official names and codes go in first; they are checked against each other. */
static vd_status_t
key_official(vd_places_t *places, const char *path, char **error)
{
	for (size_t i = 0; i < places->n_munis; i++) {
		const vd_municipality_t *m = &places->munis[i];
		add_result_t r = add_key(places, m->name, RANK_OFFICIAL, m->index);

		if (r == ADD_OK)
			r = add_key(places, m->code, RANK_OFFICIAL, m->index);
		if (r == ADD_NOMEM)
			return VD_ERR_NOMEM;
		if (r == ADD_CONFLICT) {
			set_error(error, "%s:%zu: name '%s' names another municipality too", path,
			          i + 2, m->name);
			return VD_ERR_INVALID;
		}
	}
	return VD_OK;
}

/* aliases.csv (name, code) and woonplaatsen.csv (name, code, lat, lon) share
 * their first two columns; only those are used for woonplaatsen, but the
 * coordinate is still checked so that a broken row is reported. */
static vd_status_t
load_names(vd_places_t *places, const char *path, key_rank_t rank, char **error)
{
	static const char *const alias_columns[] = {"alias", "gemeente_code"};
	static const char *const wp_columns[] = {"woonplaats", "gemeente_code", "lat", "lon"};
	const char *const *columns = rank == RANK_ALIAS ? alias_columns : wp_columns;
	size_t n = rank == RANK_ALIAS ? 2 : 4;
	csv_t csv;
	vd_status_t status;
	unsigned long line;
	bool got;

	status = csv_open(&csv, path, error);
	if (status != VD_OK)
		return status;
	status = csv_header(&csv, columns, n, error);
	while (status == VD_OK) {
		const vd_municipality_t *m;
		double lat, lon;
		add_result_t r;

		status = csv_record(&csv, n, &got, &line, error);
		if (status != VD_OK || !got)
			break;
		m = parse_code(csv.field[1]) ? vd_places_lookup(places, csv.field[1]) : NULL;
		if (!m) {
			set_error(error, "%s:%lu: unknown municipality code '%s'", path, line,
			          csv.field[1]);
			status = VD_ERR_INVALID;
			break;
		}
		if (n == 4 && (!parse_double(csv.field[2], -90, 90, &lat) ||
		               !parse_double(csv.field[3], -180, 180, &lon))) {
			set_error(error, "%s:%lu: lat/lon '%s', '%s' is not a WGS84 coordinate",
			          path, line, csv.field[2], csv.field[3]);
			status = VD_ERR_INVALID;
			break;
		}
		r = add_key(places, csv.field[0], rank, m->index);
		if (r == ADD_NOMEM) {
			status = VD_ERR_NOMEM;
		} else if (r == ADD_CONFLICT) {
			set_error(error, "%s:%lu: alias '%s' already names another municipality",
			          path, line, csv.field[0]);
			status = VD_ERR_INVALID;
		}
	}
	csv_close(&csv);
	return status;
}

vd_status_t
vd_places_load(const char *data_dir, vd_places_t **out, char **error)
{
	vd_places_t *places = NULL;
	char *path = NULL;
	vd_status_t status = VD_ERR_NOMEM;

	*out = NULL;
	if (error)
		*error = NULL;
	places = calloc(1, sizeof(*places));
	if (!places)
		goto out;

	if (asprintf(&path, "%s/places/gemeenten.csv", data_dir) < 0) {
		path = NULL;
		goto out_free_places;
	}
	status = load_gemeenten(places, path, error);
	if (status == VD_OK)
		status = key_official(places, path, error);
	free(path);
	path = NULL;
	if (status != VD_OK)
		goto out_free_places;

	status = VD_ERR_NOMEM;
	if (asprintf(&path, "%s/places/aliases.csv", data_dir) < 0) {
		path = NULL;
		goto out_free_places;
	}
	status = load_names(places, path, RANK_ALIAS, error);
	free(path);
	path = NULL;
	if (status != VD_OK)
		goto out_free_places;

	status = VD_ERR_NOMEM;
	if (asprintf(&path, "%s/places/woonplaatsen.csv", data_dir) < 0) {
		path = NULL;
		goto out_free_places;
	}
	status = load_names(places, path, RANK_WOONPLAATS, error);
	free(path);
	path = NULL;
	if (status != VD_OK)
		goto out_free_places;

	*out = places;
	return VD_OK;

out_free_places:
	vd_places_free(places);
out:
	if (status == VD_ERR_NOMEM && error && !*error)
		set_error(error, "%s: out of memory loading the gazetteer", data_dir);
	return status;
}

void
vd_places_free(vd_places_t *places)
{
	if (!places)
		return;
	for (size_t i = 0; i < places->n_slots; i++) {
		free(places->slots[i].key);
		free(places->slots[i].munis);
	}
	free(places->slots);
	for (size_t i = 0; i < places->n_munis; i++) {
		free((char *)places->munis[i].code);
		free((char *)places->munis[i].name);
		free((char *)places->munis[i].province);
	}
	free(places->munis);
	free(places);
}

/* ---- queries ------------------------------------------------------------ */

const vd_municipality_t *
vd_places_lookup(const vd_places_t *places, const char *name)
{
	char *key = fold(name);
	const place_key_t *slot;
	const vd_municipality_t *m = NULL;

	if (!key)
		return NULL;
	slot = find_slot(places, key);
	if (slot->key && slot->n_munis == 1)
		m = &places->munis[slot->munis[0]];
	free(key);
	return m;
}

size_t
vd_places_count(const vd_places_t *places)
{
	return places->n_munis;
}

const vd_municipality_t *
vd_places_at(const vd_places_t *places, size_t index)
{
	return index < places->n_munis ? &places->munis[index] : NULL;
}

/* Levenshtein distance over bytes, stopping early once every cell exceeds
 * limit (then returns limit + 1). */
static size_t
edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[128];

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 128)
		return limit + 1; /* no name is that long */
	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best;
		row[0] = i;
		best = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = diag + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < cost)
				cost = row[j - 1] + 1;
			if (up + 1 < cost)
				cost = up + 1;
			row[j] = cost;
			diag = up;
			if (cost < best)
				best = cost;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[lb];
}

typedef struct suggestion {
	size_t distance;
	unsigned muni;
} suggestion_t;

/* Keeps out[] sorted by distance, then by official name; one entry per
 * municipality with its best distance. */
static void
offer(const vd_places_t *places, suggestion_t *best, size_t *n, size_t max, unsigned muni,
      size_t distance)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (best[i].muni != muni)
			continue;
		if (best[i].distance <= distance)
			return;
		memmove(&best[i], &best[i + 1], (*n - i - 1) * sizeof(*best));
		(*n)--;
		break;
	}
	for (i = *n; i > 0; i--) {
		const suggestion_t *b = &best[i - 1];
		if (b->distance < distance ||
		    (b->distance == distance &&
		     strcmp(places->munis[b->muni].name, places->munis[muni].name) <= 0))
			break;
	}
	if (i >= max)
		return;
	if (*n == max)
		(*n)--;
	memmove(&best[i + 1], &best[i], (*n - i) * sizeof(*best));
	best[i].distance = distance;
	best[i].muni = muni;
	(*n)++;
}

size_t
vd_places_suggest(const vd_places_t *places, const char *name, const char **out, size_t max)
{
	char *key = fold(name);
	suggestion_t *best = NULL;
	size_t n = 0, limit;

	if (!key || max == 0)
		goto out;
	best = calloc(max, sizeof(*best));
	if (!best)
		goto out;
	/* Names further away than this are guesses, not suggestions. */
	limit = 1 + strlen(key) / 3;
	for (size_t i = 0; i < places->n_slots; i++) {
		const place_key_t *slot = &places->slots[i];
		size_t d;

		if (!slot->key)
			continue;
		/* An ambiguous woonplaats ("Beek") offers each of its municipalities. */
		if (slot->rank == RANK_WOONPLAATS && slot->n_munis == 1)
			continue;
		d = edit_distance(key, slot->key, limit);
		if (d > limit)
			continue;
		for (size_t j = 0; j < slot->n_munis; j++)
			offer(places, best, &n, max, slot->munis[j], d);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = places->munis[best[i].muni].name;
out:
	free(best);
	free(key);
	return n;
}

#define EARTH_RADIUS_KM 6371.0088 /* mean Earth radius (IUGG) */

void
vd_point_on_sphere(double lat, double lon, double out[3])
{
	const double rad = M_PI / 180.0;

	out[0] = cos(lat * rad) * cos(lon * rad);
	out[1] = cos(lat * rad) * sin(lon * rad);
	out[2] = sin(lat * rad);
}

double
vd_chord2(const double a[3], const double b[3])
{
	double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
	return dx * dx + dy * dy + dz * dz;
}

double
vd_chord2_for_km(double km)
{
	double half = sin(km / (2.0 * EARTH_RADIUS_KM));
	return 4.0 * half * half;
}

double
vd_chord2_km(double chord2)
{
	double half = sqrt(chord2) / 2.0;
	return 2.0 * EARTH_RADIUS_KM * asin(half > 1.0 ? 1.0 : half);
}

double
vd_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = EARTH_RADIUS_KM;
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
	           cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1.0)
		a = 1.0; /* rounding near the antipode */
	return 2.0 * r * asin(sqrt(a));
}
