/* Shared by the source-plugin targets (fuzz_source.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_source.h"
#include "profile.h"
#include "vacancy.h"

const vd_src_tax_t *vd_fuzz_src_tax;

typedef struct stub {
	vd_host_t host; /* first: the host pointer is the stub's */
	char prefix[32];
} stub_t;

void
vd_fuzz_source_init(void)
{
	const char *dir = getenv("VAARDIG_DATA");
	char *error = NULL;

	vd_fuzz_init();
	if (!dir || !*dir)
		dir = VD_FUZZ_DATADIR;
	vd_fuzz_src_tax = vd_src_tax_load(dir, &error);
	if (!vd_fuzz_src_tax) {
		fprintf(stderr, "fuzz: cannot load the plugins' taxonomy from %s: %s\n", dir,
		        error ? error : "(no message)");
		exit(2);
	}
}

static void
stub_log(const vd_host_t *host, int level, const char *fmt, ...)
{
	(void)host;
	(void)level;
	(void)fmt;
}

/* API.md "Source ids": prefix, a '-', the identifier with every character
 * outside A-Za-z0-9._- as '-', cut to 64 with 8 hex digits of a hash of the
 * whole (FNV-1a here; the server uses SHA-256: only the shape matters). */
static void
stub_vacancy_id(const vd_host_t *host, const char *identifier, char out[65])
{
	const stub_t *stub = (const stub_t *)host;
	char full[1024];
	size_t len;
	unsigned h = 2166136261u;

	if (!identifier)
		vd_fuzz_fail("vacancy_id called without an identifier", NULL, NULL);
	snprintf(full, sizeof(full), "%s-%s", stub->prefix, identifier);
	len = strlen(full);
	memcpy(out, full, len < 64 ? len + 1 : 64);
	out[64] = '\0';
	for (char *c = out; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '-';
	if (len > 64) {
		for (size_t i = 0; i < len; i++)
			h = (h ^ (unsigned char)full[i]) * 16777619u;
		snprintf(out + 55, 10, "-%08x", h);
	}
}

/* Errors of a vacancy the file itself got wrong: a place or date the
 * server does not know. Anything else is the plugin's mistake. */
static bool
input_error(const json_t *errors)
{
	size_t i;
	json_t *e;

	json_array_foreach(errors, i, e)
	{
		const char *ptr = json_string_value(json_object_get(e, "pointer"));
		if (!ptr ||
		    (strcmp(ptr, "/municipality") != 0 && strcmp(ptr, "/valid_through") != 0))
			return false;
	}
	return json_array_size(errors) > 0;
}

/* Validates as the host's emit_vacancy does; true when valid. */
static bool
validates(const char *id, const json_t *vacancy, json_t *errors)
{
	json_t *copy = json_deep_copy(vacancy), *canonical = NULL;
	bool ok;

	ok = vd_vacancy_validate(vd_fuzz_tax, vd_fuzz_places, id, copy, &canonical, errors);
	json_decref(canonical);
	json_decref(copy);
	return ok;
}

static void
check_vacancy(const stub_t *stub, const json_t *vacancy)
{
	const char *id = json_string_value(json_object_get(vacancy, "id"));
	const char *title = json_string_value(json_object_get(vacancy, "title"));
	size_t n = strlen(stub->prefix);
	json_t *errors = json_array();

	if (!json_is_object(vacancy))
		vd_fuzz_fail("a vacancy that is not an object", vacancy, NULL);
	if (!id || !vd_id_valid(id) || strlen(id) > 64 || strncmp(id, stub->prefix, n) != 0 ||
	    id[n] != '-')
		vd_fuzz_fail("a vacancy id outside the plugin's ids or the id alphabet", vacancy,
		             NULL);
	if (!title || !*title || strlen(title) > 300)
		vd_fuzz_fail("a vacancy without a title of 1 to 300 bytes", vacancy, NULL);
	for (const unsigned char *c = (const unsigned char *)title; *c; c++)
		if (*c < ' ' || *c == 0x7f)
			vd_fuzz_fail("a title with a control character", vacancy, NULL);
	if (!validates(id, vacancy, errors) && !input_error(errors))
		vd_fuzz_fail("the plugin made a vacancy the server refuses", vacancy, errors);
	json_decref(errors);
}

static int
stub_emit(const vd_host_t *host, const char *text, char **error)
{
	json_t *vacancy = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	json_t *errors = json_array();
	const char *id = json_string_value(json_object_get(vacancy, "id"));
	int rc = 0;

	check_vacancy((const stub_t *)host, vacancy);
	if (!validates(id, vacancy, errors)) {
		*error = json_dumps(errors, JSON_COMPACT);
		rc = -1;
	}
	json_decref(errors);
	json_decref(vacancy);
	return rc;
}

static int
stub_withdraw(const vd_host_t *host, const char *id)
{
	size_t n = strlen(((const stub_t *)host)->prefix);
	if (!id || strncmp(id, ((const stub_t *)host)->prefix, n) != 0)
		vd_fuzz_fail("withdrawing a vacancy that is not the plugin's", NULL, NULL);
	return 0;
}

/* One vacancy stored by an earlier run, gone from the files now. */
static char *
stub_source_vacancies(const vd_host_t *host)
{
	char *text;

	if (asprintf(&text, "[\"%s-gone\"]", ((const stub_t *)host)->prefix) < 0)
		return NULL;
	return text;
}

static int
stub_set_details(const vd_host_t *host, const char *text)
{
	json_t *details = text ? json_loads(text, 0, NULL) : NULL;

	(void)host;
	if (!json_is_object(details) || !json_is_object(json_object_get(details, "files")))
		vd_fuzz_fail("details that are not {\"files\": {...}, ...}", details, NULL);
	json_decref(details);
	return 0;
}

const vd_host_t *
vd_fuzz_host(const char *prefix)
{
	stub_t *stub = calloc(1, sizeof(*stub));

	if (!stub)
		abort();
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
	return &stub->host;
}

void
vd_fuzz_check_read(const json_t *entry, const vd_host_t *host, const char *file)
{
	const json_t *items = json_object_get(entry, "items"),
	             *error = json_object_get(entry, "error");
	vd_src_t *src;
	size_t i;
	json_t *item;

	if (!json_is_array(items))
		vd_fuzz_fail("a read without items", entry, NULL);
	if (error && (!json_is_string(error) || !json_string_length(error)))
		vd_fuzz_fail("a file's error that is not a message", entry, NULL);
	src = vd_src_new(host);
	vd_src_begin(src);
	json_array_foreach(items, i, item)
	{
		const char *label = json_string_value(json_object_get(item, "label"));
		const json_t *vacancy = json_object_get(item, "vacancy");
		const json_t *why = json_object_get(item, "error");
		if (!label || !!vacancy == !!why ||
		    (why && (!json_is_string(why) || !json_string_length(why))))
			vd_fuzz_fail("an item that is not a labelled vacancy or error", item, NULL);
		if (vacancy) {
			check_vacancy((const stub_t *)host, vacancy);
			vd_src_offer(src, json_deep_copy(vacancy), file, label, 1.0);
		} else {
			vd_src_problem(src, file, "%s: %s", label, json_string_value(why));
		}
	}
	if (error)
		vd_src_problem(src, file, "%s", json_string_value(error));
	if (vd_src_end(src) != 0)
		vd_fuzz_fail("a poll's end failed", entry, NULL);
	vd_src_free(src);
}
