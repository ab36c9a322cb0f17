/* Shared by the libFuzzer targets (fuzz_common.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#ifndef VD_FUZZ_DATADIR
#error "VD_FUZZ_DATADIR must name the repo's data/ directory (scripts/fuzz.sh puts it in config.h)"
#endif

const vd_taxonomy_t *vd_fuzz_tax;
const vd_places_t *vd_fuzz_places;

void
vd_fuzz_init(void)
{
	const char *dir = getenv("VAARDIG_DATA");
	vd_taxonomy_t *tax = NULL;
	vd_places_t *places = NULL;
	char *error = NULL;

	if (!dir || !*dir)
		dir = VD_FUZZ_DATADIR;
	if (vd_taxonomy_load(dir, &tax, &error) != VD_OK ||
	    vd_places_load(dir, &places, &error) != VD_OK) {
		fprintf(stderr, "fuzz: cannot load the reference data from %s: %s\n", dir,
		        error ? error : "(no message)");
		free(error);
		exit(2);
	}
	/* Held until exit on purpose: every input is checked against them. */
	vd_fuzz_tax = tax;
	vd_fuzz_places = places;
}

json_t *
vd_fuzz_json(const uint8_t *data, size_t len)
{
	json_error_t jerr;

	return json_loadb((const char *)data, len,
	                  JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
}

static void
dump_to_stderr(const char *label, const json_t *value)
{
	char *text;

	if (!value)
		return;
	text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	fprintf(stderr, "%s: %s\n", label, text ? text : "(cannot dump)");
	free(text);
}

void
vd_fuzz_fail(const char *what, const json_t *a, const json_t *b)
{
	fprintf(stderr, "fuzz: invariant broken: %s\n", what);
	dump_to_stderr("first", a);
	dump_to_stderr("second", b);
	abort();
}

void
vd_fuzz_check_round_trip(const json_t *canonical, size_t flags)
{
	char *text = json_dumps(canonical, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_t *again;

	if (!text)
		vd_fuzz_fail("a canonical document cannot be dumped", canonical, NULL);
	again = json_loads(text, flags, NULL);
	if (!again || !json_equal(again, canonical))
		vd_fuzz_fail("a canonical document does not load back as itself", canonical, again);
	json_decref(again);
	free(text);
}
