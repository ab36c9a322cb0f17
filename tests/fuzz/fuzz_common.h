/* Shared by the libFuzzer targets: the reference data, loaded once, and the
 * JSON parsing that the server's request bodies go through. */
#ifndef VD_FUZZ_COMMON_H
#define VD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "places.h"
#include "taxonomy.h"

/* The day every target measures validity against: fixed, so that an input
 * that crashed once crashes again on another day. */
#define VD_FUZZ_TODAY 20260601

/* libFuzzer's entry points; declared here for -Wmissing-prototypes. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The taxonomy and gazetteer from $VAARDIG_DATA, or else from the repo's data/
 * (VD_FUZZ_DATADIR, compiled in). Loaded by vd_fuzz_init; kept until exit. */
extern const vd_taxonomy_t *vd_fuzz_tax;
extern const vd_places_t *vd_fuzz_places;

/* Loads the reference data or exits: a target without it would only ever
 * test the "unknown code" paths. */
void vd_fuzz_init(void);

/* Parses len bytes as a request body is parsed (http.c, vd_json_body):
 * NULs allowed, duplicate keys refused, any JSON value. New reference or NULL. */
json_t *vd_fuzz_json(const uint8_t *data, size_t len);

/* An invariant of the code under test was broken: prints what and aborts, so
 * libFuzzer keeps the input as a crash. */
void vd_fuzz_fail(const char *what, const json_t *a, const json_t *b) __attribute__((noreturn));

/* Checks that canonical survives what the store does to it: dumped compactly
 * and loaded again with flags, it is equal to itself. */
void vd_fuzz_check_round_trip(const json_t *canonical, size_t flags);

#endif
