/* Shared by the source-plugin targets (fuzz_jsonld, fuzz_csv): a host stub
 * that stands where vaardigd's plugin host would, the plugins' own view of
 * the taxonomy, and the invariants every file read must keep. */
#ifndef VD_FUZZ_SOURCE_H
#define VD_FUZZ_SOURCE_H

#include <jansson.h>

#include "source.h"
#include "vaardig/plugin.h"

/* The plugins' taxonomy (source.h) from the same data/ as vd_fuzz_tax. */
extern const vd_src_tax_t *vd_fuzz_src_tax;

/* Loads the reference data (vd_fuzz_init) and the plugins' taxonomy, or
 * exits. */
void vd_fuzz_source_init(void);

/* A host for a plugin whose vacancy ids start with "<prefix>-": vacancy_id
 * follows API.md's "Source ids" rule; emit_vacancy validates as the server
 * would and aborts on a vacancy the plugin should never have produced (see
 * vd_fuzz_check_vacancy); set_details insists on a JSON object. Everything
 * else does nothing. Kept until exit. */
const vd_host_t *vd_fuzz_host(const char *prefix);

/* The invariants of a read's result ({"items": [...], "error"?}, borrowed):
 * every item is a labelled vacancy or a labelled error; every vacancy
 * has an id in the id alphabet, at most 64 characters and the plugin's own,
 * a title of one clean line of at most 300 bytes, and validates as a PUT of
 * it would, but for a municipality or end date that the file itself got
 * wrong. Then the result goes through a poll's lifecycle (vd_src_offer,
 * vd_src_end) as the plugins drive it. Aborts through vd_fuzz_fail. */
void vd_fuzz_check_read(const json_t *entry, const vd_host_t *host, const char *file);

#endif
