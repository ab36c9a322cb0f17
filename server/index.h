/* The C wrapper around Xapian: the only door to the store and the index.
 *
 * One Xapian document per jobseeker or vacancy. Its unique term is "Q" plus a
 * kind letter plus the id ("Qjrtm-000123", "Qvwsp-2026-0042"); its type term
 * is "T" plus the kind letter. Competence terms are "K" + a requirement term
 * ("Klicence:B", "Klanguage:nl"); the highest level held of a language is
 * "L" + its requirement term ("Llanguage:nl:B2"). The canonical JSON is the value in
 * VD_SLOT_DATA, not Xapian's document data: glass deflates every document's
 * data at a fixed zlib level, and for a few hundred bytes of JSON that costs
 * about 10 us a document, a quarter of a bulk load; values are stored as they
 * are. Older documents keep it as document data, and are read from there.
 *
 * A writer handle belongs to the one writer thread; a reader handle to the
 * thread that opened it. No Xapian exception crosses this interface. */
#ifndef VD_INDEX_H
#define VD_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vd_index vd_index_t;
typedef struct vd_doc vd_doc_t;
typedef struct vd_xdoc vd_xdoc_t;
typedef unsigned vd_docid_t;

enum vd_value_slot {
	VD_SLOT_NEXT_EXPIRY = 0,  /* "YYYYMMDD": the first day a held competence lapses */
	VD_SLOT_LOCATION = 1,     /* "lat,lon" of the person (own location or municipality) */
	VD_SLOT_HOURS = 2,        /* hours per week, decimal text */
	VD_SLOT_AVAILABLE = 3,    /* "YYYYMMDD" */
	VD_SLOT_MUNICIPALITY = 4, /* CBS code */
	VD_SLOT_ID = 5,           /* a jobseeker's id: searches explain without reading the data */
	VD_SLOT_DATA = 6          /* the canonical JSON (vd_doc_set_data) */
};

/* A document being built in C, handed to the writer thread (plain C: no Xapian). */
vd_doc_t *vd_doc_new(void);
void vd_doc_free(vd_doc_t *doc);
/* Each returns false only when out of memory. */
bool vd_doc_add_term(vd_doc_t *doc, const char *term);
bool vd_doc_set_value(vd_doc_t *doc, unsigned slot, const char *value);
bool vd_doc_set_data(vd_doc_t *doc, const char *data, size_t len);
size_t vd_doc_n_terms(const vd_doc_t *doc);
const char *vd_doc_term(const vd_doc_t *doc, size_t i);
const char *vd_doc_value(const vd_doc_t *doc, unsigned slot); /* NULL when unset */
const char *vd_doc_data(const vd_doc_t *doc, size_t *len);

/* doc as the writer takes it, built on any thread; NULL when out of memory.
 * A bulk load builds them beside its single writer thread. */
vd_xdoc_t *vd_xdoc_new(const vd_doc_t *doc);
void vd_xdoc_free(vd_xdoc_t *xdoc);

/* Opens (creating when missing) the database in dir for writing. The dir
 * itself must exist. VD_ERR_LOCKED when another process holds it. */
vd_status_t vd_index_open_writer(const char *dir, vd_index_t **out, char **error);
/* Opens an existing database for reading. */
vd_status_t vd_index_open_reader(const char *dir, vd_index_t **out, char **error);
void vd_index_close(vd_index_t *index);
/* Text of the last failure on this handle, for logs and problem details. */
const char *vd_index_last_error(const vd_index_t *index);

/* Writer. Changes are invisible to readers until vd_index_commit. */
vd_status_t vd_index_replace(vd_index_t *index, const char *unique_term, const vd_doc_t *doc,
                             vd_docid_t *docid);
/* Adds doc as a new document without looking up its unique term, which
 * saves replace's B-tree look-up: only for a document whose unique term is
 * known not to be in the database (a first load into an empty one checks its
 * ids in memory); otherwise the database would hold two documents for it. */
vd_status_t vd_index_add(vd_index_t *index, const vd_doc_t *doc, vd_docid_t *docid);
/* The same two with a prepared document. */
vd_status_t vd_index_replace_prepared(vd_index_t *index, const char *unique_term,
                                      const vd_xdoc_t *xdoc, vd_docid_t *docid);
vd_status_t vd_index_add_prepared(vd_index_t *index, const vd_xdoc_t *xdoc, vd_docid_t *docid);
/* *docid is the deleted document's id, 0 when there was none. */
vd_status_t vd_index_delete(vd_index_t *index, const char *unique_term, vd_docid_t *docid);
/* Commits, then fsyncs the database directory so the new revision survives a
 * crash. On failure the pending changes are discarded. */
vd_status_t vd_index_commit(vd_index_t *index);

/* Reader. */
vd_status_t vd_index_reopen(vd_index_t *index);
/* The data of the document with this unique term; *data is new (free()). */
vd_status_t vd_index_get(vd_index_t *index, const char *unique_term, char **data, size_t *len,
                         vd_docid_t *docid);
vd_status_t vd_index_get_by_docid(vd_index_t *index, vd_docid_t docid, char **data, size_t *len);
/* Number of documents in the database (committed, plus pending on a writer). */
vd_status_t vd_index_doc_count(vd_index_t *index, unsigned *count);
/* Number of documents indexed by term (0 when none). */
vd_status_t vd_index_term_count(vd_index_t *index, const char *term, unsigned *count);

typedef void (*vd_docid_cb)(vd_docid_t docid, void *arg);
typedef void (*vd_term_cb)(const char *term, void *arg);
/* Calls cb for every document that has term, in docid order. */
vd_status_t vd_index_postings(vd_index_t *index, const char *term, vd_docid_cb cb, void *arg);
/* Calls cb for every term starting with prefix. */
vd_status_t vd_index_terms(vd_index_t *index, const char *prefix, vd_term_cb cb, void *arg);
/* Calls cb for every document of type term type_term whose value in slot is
 * non-empty and <= max (string order). */
vd_status_t vd_index_value_at_most(vd_index_t *index, const char *type_term, unsigned slot,
                                   const char *max, vd_docid_cb cb, void *arg);
typedef void (*vd_value_cb)(vd_docid_t docid, const char *value, size_t len, void *arg);
/* Calls cb for every document with a value in slot, in docid order. */
vd_status_t vd_index_values(vd_index_t *index, unsigned slot, vd_value_cb cb, void *arg);
/* The value in slot of docid, new (free()); "" when unset. */
vd_status_t vd_index_value(vd_index_t *index, vd_docid_t docid, unsigned slot, char **value);

#ifdef __cplusplus
}
#endif

#endif
