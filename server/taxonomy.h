/* The competence vocabulary and the occupations, loaded from data/.
 *
 * Requirement terms are strings that clients see in API.md:
 *   licence:B   code95:CE   language:nl:B1   certificate:vca-basis
 *   skill:klantgericht   experience:chauffeur
 * An any-of group is a list of such terms; an occupation's hard requirements
 * are a list of groups that must all be met. */
#ifndef VD_TAXONOMY_H
#define VD_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "status.h"

typedef struct vd_taxonomy vd_taxonomy_t;

/* A list of strings owned by the taxonomy. */
typedef struct vd_strv {
	const char **v;
	size_t n;
} vd_strv_t;

typedef struct vd_occupation {
	const char *code;     /* "vrachtwagenchauffeur" */
	const char *label;    /* Dutch singular */
	const char *plural;   /* Dutch plural */
	vd_strv_t synonyms;   /* other singular and plural forms */
	const char *esco_uri; /* NULL where ESCO has no such occupation */
	const char *isco;     /* 4-digit ISCO-08 unit group, NULL when unknown */
	const char *sector;
	const vd_strv_t *require; /* n_require any-of groups */
	size_t n_require;
	vd_strv_t prefer;
	const char *dutch_level; /* typical Dutch level, "A2"; NULL when not given */
	json_t *json;            /* borrowed: the occupation as GET /v1/occupations shows it */
} vd_occupation_t;

typedef enum vd_competence_kind {
	VD_KIND_LICENCE,
	VD_KIND_CERTIFICATE,
	VD_KIND_SKILL,
	VD_KIND_LANGUAGE,
} vd_competence_kind_t;

typedef struct vd_competence {
	vd_competence_kind_t kind;
	const char *code;  /* "B", "vca-basis", "klantgericht", "nl" */
	const char *label; /* Dutch label: "rijbewijs B", "VCA basis", "Nederlands" */
	json_t *json;      /* borrowed: as GET /v1/competences shows it */
} vd_competence_t;

/* Loads data_dir/competences.json and data_dir/occupations.json.
 * On failure returns a status and sets *error to a new malloc'd message
 * that names the file and what is wrong. */
vd_status_t vd_taxonomy_load(const char *data_dir, vd_taxonomy_t **out, char **error);
void vd_taxonomy_free(vd_taxonomy_t *tax);

/* Exact look-ups by code (case-sensitive canonical codes). NULL when unknown. */
const vd_competence_t *vd_taxonomy_competence(const vd_taxonomy_t *tax, vd_competence_kind_t kind,
                                              const char *code);
/* By code or by ESCO URI. */
const vd_occupation_t *vd_taxonomy_occupation(const vd_taxonomy_t *tax, const char *code_or_uri);

size_t vd_taxonomy_n_occupations(const vd_taxonomy_t *tax);
const vd_occupation_t *vd_taxonomy_occupation_at(const vd_taxonomy_t *tax, size_t i);
size_t vd_taxonomy_n_competences(const vd_taxonomy_t *tax);
const vd_competence_t *vd_taxonomy_competence_at(const vd_taxonomy_t *tax, size_t i);

/* Query words. `words` is already lower-cased, diacritics folded, spaces
 * collapsed ("chauffeurs", "chauffeur vrachtwagen"). Matches the label, the
 * plural and every synonym; NULL when unknown. */
const vd_occupation_t *vd_taxonomy_occupation_by_words(const vd_taxonomy_t *tax, const char *words);

/* A competence phrase as typed after "met" ("vca", "rijbewijs c", "code 95",
 * "heftruckcertificaat", "engels"), folded like above. Returns the any-of
 * group it stands for ("vca" -> certificate:vca-basis, certificate:vca-vol),
 * or NULL. A language name returns language:CODE without a level; the caller
 * appends the level. */
const vd_strv_t *vd_taxonomy_competence_by_words(const vd_taxonomy_t *tax, const char *words);

/* Up to max known words or codes closest to `word` (edit distance, then
 * prefix), best first, for "did you mean" in 422 answers. Kind selects the
 * vocabulary: VD_SUGGEST_OCCUPATION suggests occupation words, the others codes
 * of that competence kind. Returns how many were written to out (borrowed). */
typedef enum vd_suggest_kind {
	VD_SUGGEST_OCCUPATION,
	VD_SUGGEST_COMPETENCE, /* every "met ..." phrase */
	VD_SUGGEST_CERTIFICATE,
	VD_SUGGEST_SKILL,
	VD_SUGGEST_LANGUAGE,
} vd_suggest_kind_t;
size_t vd_taxonomy_suggest(const vd_taxonomy_t *tax, vd_suggest_kind_t kind, const char *word,
                           const char **out, size_t max);

/* True when term is a well-formed requirement term whose code is known
 * ("licence:CE", "language:nl:B1", "certificate:heftruck", ...). */
bool vd_taxonomy_term_valid(const vd_taxonomy_t *tax, const char *term);

/* Lower-cases ASCII, folds Latin-1 diacritics (é -> e, ï -> i, ...) and
 * collapses white space; returns a new malloc'd string. */
char *vd_fold(const char *text);

#endif
