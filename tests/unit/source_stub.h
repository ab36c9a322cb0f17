/* Shared by the source plugins' unit tests (test_source_jsonld.c,
 * test_source_csv.c): a host stub that stands where vaardigd's plugin host
 * would and records what a reader and a poll ask of it, and expectations
 * read straight from the repo's data/ (VD_TEST_DATADIR) with Jansson, not
 * through the plugins' own taxonomy code, so that a test compares the
 * plugin against the data rather than against itself.
 *
 * Every helper fails the running Check test (ck_assert) on a mistake in the
 * test itself: a term that is not in data/, an item that is not there. */
#ifndef VD_SOURCE_STUB_H
#define VD_SOURCE_STUB_H

#include <stddef.h>

#include <jansson.h>

#include "source.h"
#include "vaardig/plugin.h"

typedef struct vd_stub {
	vd_host_t host; /* first: the host pointer is the stub's */
	char prefix[32];
	json_t *identifiers; /* [identifier]: what vacancy_id was given, in order */
	json_t *emitted;     /* {id: vacancy}: what emit_vacancy accepted */
	json_t *withdrawn;   /* [id] */
	json_t *details;     /* the last set_details object, or NULL */
} vd_stub_t;

/* A host for a plugin whose vacancy ids start with "<prefix>-". vacancy_id
 * follows API.md "Source ids" as server/plugin_host.c does (prefix, '-',
 * characters outside A-Za-z0-9._- as '-', over 64 characters cut to 55 and
 * "-" with 8 hex digits of the SHA-256 of the whole). source_vacancies
 * answers that nothing was stored before. Free with vd_stub_free. */
vd_stub_t *vd_stub_new(const char *prefix);
void vd_stub_free(vd_stub_t *stub);

/* The plugins' taxonomy from VD_TEST_DATADIR (vd_src_tax_free it). */
vd_src_tax_t *vd_stub_tax(void);

/* Runs a read's result (borrowed) through one poll as the plugins do:
 * every vacancy offered, every error reported for file, then vd_src_end.
 * Returns the details the plugin published (borrowed from stub). */
const json_t *vd_stub_poll(vd_stub_t *stub, const json_t *entry, const char *file);

/* ---- a read's result ----------------------------------------------------- */

/* The vacancy of item i (borrowed), asserting it is one and is labelled
 * label ("posting 2", "row 7"). */
const json_t *vd_stub_vacancy(const json_t *entry, size_t i, const char *label);
/* The error message of item i (borrowed), asserting it is one, labelled
 * label, and that it mentions every NULL-terminated word given. */
const char *vd_stub_error(const json_t *entry, size_t i, const char *label, ...)
    __attribute__((sentinel));
size_t vd_stub_count(const json_t *entry);
/* A string member of a vacancy, "" when absent. */
const char *vd_stub_str(const json_t *vacancy, const char *key);

/* ---- expectations from data/ -------------------------------------------- */

/* The code of the occupation whose label, plural or a synonym is name
 * (ASCII case ignored) in occupations.json. */
const char *vd_expect_occupation(const char *name);
/* The codes (new array) of the occupations with that ISCO-08 unit group,
 * in the file's order. */
json_t *vd_expect_isco(const char *isco);
/* The any-of group (new) of the phrase with exactly these words in
 * competences.json "phrases". */
json_t *vd_expect_phrase(const char *words);
/* "<kind>:<code>" (new malloc'd) of the certificate or skill (kind
 * "certificate", "skill") whose label or a synonym is label. */
char *vd_expect_term(const char *kind, const char *label);
/* "language:<code>:<level>" (new malloc'd) for the language labelled
 * label. */
char *vd_expect_language(const char *label, const char *level);

/* Asserts that array (borrowed) holds the same elements as want (taken),
 * in any order, each once. */
void vd_expect_same_set(const json_t *array, json_t *want);

#endif
