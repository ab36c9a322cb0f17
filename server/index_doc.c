/* A document being built in plain C before the writer thread turns it into a
 * Xapian::Document: request handlers never touch Xapian objects. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "index.h"

#define VD_DOC_SLOTS 8

struct vd_doc {
	char **terms;
	size_t n_terms, cap_terms;
	char *values[VD_DOC_SLOTS];
	char *data;
	size_t data_len;
};

vd_doc_t *
vd_doc_new(void)
{
	return calloc(1, sizeof(vd_doc_t));
}

void
vd_doc_free(vd_doc_t *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_terms; i++)
		free(doc->terms[i]);
	free(doc->terms);
	for (unsigned s = 0; s < VD_DOC_SLOTS; s++)
		free(doc->values[s]);
	free(doc->data);
	free(doc);
}

bool
vd_doc_add_term(vd_doc_t *doc, const char *term)
{
	if (doc->n_terms == doc->cap_terms) {
		size_t cap = doc->cap_terms ? doc->cap_terms * 2 : 16;
		char **terms = realloc(doc->terms, cap * sizeof(*terms));
		if (!terms)
			return false;
		doc->terms = terms;
		doc->cap_terms = cap;
	}
	doc->terms[doc->n_terms] = strdup(term);
	if (!doc->terms[doc->n_terms])
		return false;
	doc->n_terms++;
	return true;
}

bool
vd_doc_set_value(vd_doc_t *doc, unsigned slot, const char *value)
{
	char *copy;

	if (slot >= VD_DOC_SLOTS)
		return false;
	copy = strdup(value);
	if (!copy)
		return false;
	free(doc->values[slot]);
	doc->values[slot] = copy;
	return true;
}

bool
vd_doc_set_data(vd_doc_t *doc, const char *data, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return false;
	memcpy(copy, data, len);
	copy[len] = '\0';
	free(doc->data);
	doc->data = copy;
	doc->data_len = len;
	return true;
}

size_t
vd_doc_n_terms(const vd_doc_t *doc)
{
	return doc->n_terms;
}

const char *
vd_doc_term(const vd_doc_t *doc, size_t i)
{
	return i < doc->n_terms ? doc->terms[i] : NULL;
}

const char *
vd_doc_value(const vd_doc_t *doc, unsigned slot)
{
	return slot < VD_DOC_SLOTS ? doc->values[slot] : NULL;
}

const char *
vd_doc_data(const vd_doc_t *doc, size_t *len)
{
	if (len)
		*len = doc->data_len;
	return doc->data;
}
