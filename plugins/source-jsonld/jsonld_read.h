/* source-jsonld's reading of one file's text, apart from the plugin's files
 * and timers so that the fuzz target tests/fuzz/fuzz_jsonld.c can drive it:
 * schema.org JobPosting JSON-LD (one posting, an array, an ItemList or an
 * @graph), or an HTML page with the postings in <script
 * type="application/ld+json">, mapped to vacancies of API.md's shape. */
#ifndef VD_JSONLD_READ_H
#define VD_JSONLD_READ_H

#include <stddef.h>

#include <jansson.h>

#include "source.h"

/* Reads text (len bytes plus a terminating NUL) of the file called name: as
 * HTML when name ends in .htm or .html, else as JSON. Returns a new
 * {"items": [{"label": "posting N", "vacancy": {...}} or {"label", "error"}],
 * "error"?: "what is wrong with the file as a whole"}. Vacancy ids come from
 * host->vacancy_id; nothing else of host is called. */
json_t *vd_jsonld_read(const vd_src_tax_t *tax, const vd_host_t *host, const char *name,
                       const char *text, size_t len);

#endif
