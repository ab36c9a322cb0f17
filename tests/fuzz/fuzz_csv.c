/* Fuzzes the source-csv plugin's reading of an export (csv_read.h): the
 * input is the file's bytes, read once with the default layout (columns
 * named like the fields, the header row picks ';' or ',') and once with a
 * desk's own column names and ';' as the config gives them; each result is
 * checked and put through a poll as the plugin does (fuzz_source.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "csv_read.h"
#include "fuzz_common.h"
#include "fuzz_source.h"

static const vd_host_t *host;
static vd_csv_layout_t layouts[2];

/* The columns tests/blackbox/test_plugins.py configures. */
static char *const desk_columns[VD_CSV_N_FIELDS] = {
    "Vacaturenummer", "Functie",        "Beroep", "Plaats", "Uren",
    "Werkgever",      "Sluitingsdatum", "Aantal", "Eisen",  "Vaardigheden"};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vd_fuzz_source_init();
	host = vd_fuzz_host("csv");
	for (size_t f = 0; f < VD_CSV_N_FIELDS; f++) {
		layouts[0].columns[f] = (char *)vd_csv_fields[f];
		layouts[1].columns[f] = desk_columns[f];
		layouts[1].explicit_column[f] = true;
	}
	layouts[1].delimiter = ';';
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The plugin reads the file into a buffer with a NUL after its bytes. */
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < 2; i++) {
		json_t *entry =
		    vd_csv_read(&layouts[i], vd_fuzz_src_tax, host, "vacatures.csv", text, size);
		vd_fuzz_check_read(entry, host, "vacatures.csv");
		json_decref(entry);
	}
	free(text);
	return 0;
}
