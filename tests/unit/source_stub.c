/* The source plugins' host stub and expectations from data/: see
 * source_stub.h. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source_id.h"
#include "source_stub.h"

/* ---- the host ------------------------------------------------------------ */

static void
stub_log(const vd_host_t *host, int level, const char *fmt, ...)
{
	(void)host;
	(void)level;
	(void)fmt;
}

static void
stub_vacancy_id(const vd_host_t *host, const char *identifier, char out[65])
{
	vd_stub_t *stub = (vd_stub_t *)host;

	ck_assert_msg(identifier != NULL, "vacancy_id called without an identifier");
	json_array_append_new(stub->identifiers, json_string(identifier));
	/* The server's own rule, so the id tests test it too. */
	vd_source_id(stub->prefix, identifier, out);
}

static int
stub_emit(const vd_host_t *host, const char *text, char **error)
{
	vd_stub_t *stub = (vd_stub_t *)host;
	json_t *vacancy = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char *id = json_string_value(json_object_get(vacancy, "id"));

	*error = NULL;
	ck_assert_msg(id != NULL, "emit_vacancy without an id: %s", text);
	json_object_set_new(stub->emitted, id, vacancy);
	return 0;
}

static int
stub_withdraw(const vd_host_t *host, const char *id)
{
	json_array_append_new(((vd_stub_t *)host)->withdrawn, json_string(id));
	return 0;
}

static char *
stub_source_vacancies(const vd_host_t *host)
{
	(void)host;
	return strdup("[]");
}

static int
stub_set_details(const vd_host_t *host, const char *text)
{
	vd_stub_t *stub = (vd_stub_t *)host;

	json_decref(stub->details);
	stub->details = json_loads(text, 0, NULL);
	ck_assert_msg(json_is_object(stub->details), "details that are not an object: %s", text);
	return 0;
}

vd_stub_t *
vd_stub_new(const char *prefix)
{
	vd_stub_t *stub = calloc(1, sizeof(*stub));

	ck_assert_ptr_nonnull(stub);
	snprintf(stub->prefix, sizeof(stub->prefix), "%s", prefix);
	stub->host = (vd_host_t){.size = sizeof(vd_host_t),
	                         .abi_major = VD_PLUGIN_ABI_MAJOR,
	                         .abi_minor = VD_PLUGIN_ABI_MINOR,
	                         .log = stub_log,
	                         .vacancy_id = stub_vacancy_id,
	                         .emit_vacancy = stub_emit,
	                         .withdraw_vacancy = stub_withdraw,
	                         .source_vacancies = stub_source_vacancies,
	                         .set_details = stub_set_details,
	                         .free = free};
	stub->identifiers = json_array();
	stub->emitted = json_object();
	stub->withdrawn = json_array();
	return stub;
}

void
vd_stub_free(vd_stub_t *stub)
{
	if (!stub)
		return;
	json_decref(stub->identifiers);
	json_decref(stub->emitted);
	json_decref(stub->withdrawn);
	json_decref(stub->details);
	free(stub);
}

vd_src_tax_t *
vd_stub_tax(void)
{
	char *error = NULL;
	vd_src_tax_t *tax = vd_src_tax_load(VD_TEST_DATADIR, &error);

	ck_assert_msg(tax != NULL, "the plugins' taxonomy from %s: %s", VD_TEST_DATADIR,
	              error ? error : "(no message)");
	return tax;
}

const json_t *
vd_stub_poll(vd_stub_t *stub, const json_t *entry, const char *file)
{
	vd_src_t *src = vd_src_new(&stub->host);
	size_t i;
	json_t *item;

	ck_assert_ptr_nonnull(src);
	vd_src_begin(src);
	json_array_foreach(json_object_get(entry, "items"), i, item)
	{
		const char *label = json_string_value(json_object_get(item, "label"));
		json_t *vacancy = json_object_get(item, "vacancy");
		if (vacancy)
			vd_src_offer(src, json_deep_copy(vacancy), file, label, 1.0);
		else
			vd_src_problem(src, file, "%s: %s", label,
			               json_string_value(json_object_get(item, "error")));
	}
	if (json_object_get(entry, "error"))
		vd_src_problem(src, file, "%s", json_string_value(json_object_get(entry, "error")));
	ck_assert_int_eq(vd_src_end(src), 0);
	vd_src_free(src);
	return stub->details;
}

/* ---- a read's result ----------------------------------------------------- */

static const json_t *
item_at(const json_t *entry, size_t i, const char *label)
{
	const json_t *item = json_array_get(json_object_get(entry, "items"), i);
	char *text;

	if (!item) {
		text = json_dumps(entry, JSON_COMPACT);
		ck_abort_msg("no item %zu (%s) in %s", i, label, text);
	}
	ck_assert_str_eq(json_string_value(json_object_get(item, "label")), label);
	return item;
}

const json_t *
vd_stub_vacancy(const json_t *entry, size_t i, const char *label)
{
	const json_t *item = item_at(entry, i, label);
	const json_t *vacancy = json_object_get(item, "vacancy");

	ck_assert_msg(json_is_object(vacancy), "%s is no vacancy: %s", label,
	              json_string_value(json_object_get(item, "error")));
	ck_assert_ptr_null(json_object_get(item, "error"));
	return vacancy;
}

const char *
vd_stub_error(const json_t *entry, size_t i, const char *label, ...)
{
	const json_t *item = item_at(entry, i, label);
	const char *why = json_string_value(json_object_get(item, "error")), *word;
	va_list ap;

	ck_assert_msg(why != NULL, "%s should have failed", label);
	ck_assert_ptr_null(json_object_get(item, "vacancy"));
	va_start(ap, label);
	while ((word = va_arg(ap, const char *)))
		ck_assert_msg(strstr(why, word), "%s: '%s' does not mention '%s'", label, why,
		              word);
	va_end(ap);
	return why;
}

size_t
vd_stub_count(const json_t *entry)
{
	ck_assert(json_is_array(json_object_get(entry, "items")));
	return json_array_size(json_object_get(entry, "items"));
}

const char *
vd_stub_str(const json_t *vacancy, const char *key)
{
	const char *v = json_string_value(json_object_get(vacancy, key));
	return v ? v : "";
}

/* ---- expectations from data/ -------------------------------------------- */

/* data/<name> (occupations.json or competences.json), loaded once per test
 * program and kept until exit. */
static json_t *
data(const char *name)
{
	static json_t *occupations, *competences;
	json_t **slot = strcmp(name, "occupations.json") == 0 ? &occupations : &competences;
	char path[4096];
	json_error_t jerr;

	if (!*slot) {
		snprintf(path, sizeof(path), "%s/%s", VD_TEST_DATADIR, name);
		*slot = json_load_file(path, 0, &jerr);
		ck_assert_msg(*slot != NULL, "%s: %s", path, jerr.text);
	}
	return *slot;
}

/* The label, plural or one of the synonyms of o is name. */
static bool
named(const json_t *o, const char *name)
{
	size_t i;
	json_t *s;

	if (strcasecmp(vd_stub_str(o, "label"), name) == 0 ||
	    strcasecmp(vd_stub_str(o, "plural"), name) == 0)
		return true;
	json_array_foreach(json_object_get(o, "synonyms"), i, s)
	{
		if (json_is_string(s) && strcasecmp(json_string_value(s), name) == 0)
			return true;
	}
	return false;
}

const char *
vd_expect_occupation(const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(data("occupations.json"), "occupations"), i, o)
	{
		if (named(o, name))
			return json_string_value(json_object_get(o, "code"));
	}
	ck_abort_msg("no occupation called '%s' in data/occupations.json", name);
	return NULL;
}

json_t *
vd_expect_isco(const char *isco)
{
	json_t *codes = json_array(), *o;
	size_t i;

	json_array_foreach(json_object_get(data("occupations.json"), "occupations"), i, o)
	{
		if (strcmp(vd_stub_str(o, "isco"), isco) == 0)
			json_array_append(codes, json_object_get(o, "code"));
	}
	return codes;
}

json_t *
vd_expect_phrase(const char *words)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(data("competences.json"), "phrases"), i, p)
	{
		if (strcmp(vd_stub_str(p, "words"), words) == 0)
			return json_deep_copy(json_object_get(p, "any_of"));
	}
	ck_abort_msg("no phrase '%s' in data/competences.json", words);
	return NULL;
}

char *
vd_expect_term(const char *kind, const char *label)
{
	const char *list = strcmp(kind, "skill") == 0 ? "skills" : "certificates";
	size_t i;
	json_t *c;
	char *term = NULL;

	json_array_foreach(json_object_get(data("competences.json"), list), i, c)
	{
		if (named(c, label)) {
			ck_assert_int_ge(asprintf(&term, "%s:%s", kind, vd_stub_str(c, "code")), 0);
			return term;
		}
	}
	ck_abort_msg("no %s '%s' in data/competences.json", kind, label);
	return NULL;
}

char *
vd_expect_language(const char *label, const char *level)
{
	size_t i;
	json_t *l;
	char *term = NULL;

	json_array_foreach(json_object_get(data("competences.json"), "languages"), i, l)
	{
		if (named(l, label)) {
			ck_assert_int_ge(
			    asprintf(&term, "language:%s:%s", vd_stub_str(l, "code"), level), 0);
			return term;
		}
	}
	ck_abort_msg("no language '%s' in data/competences.json", label);
	return NULL;
}

void
vd_expect_same_set(const json_t *array, json_t *want)
{
	char *got_text = json_dumps(array, JSON_COMPACT), *want_text = json_dumps(want, 0);
	size_t i, j;
	json_t *w, *g;

	ck_assert_msg(json_is_array(array), "not an array: %s (want %s)", got_text, want_text);
	ck_assert_msg(json_array_size(array) == json_array_size(want), "got %s, want %s", got_text,
	              want_text);
	json_array_foreach(want, i, w)
	{
		size_t seen = 0;
		json_array_foreach(array, j, g) seen += json_equal(g, w);
		ck_assert_msg(seen == 1, "got %s, want %s", got_text, want_text);
	}
	free(got_text);
	free(want_text);
	json_decref(want);
}
