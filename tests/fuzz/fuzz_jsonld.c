/* Fuzzes the source-jsonld plugin's reading of a file (jsonld_read.h): the
 * input is a file's bytes, read once as JSON (postings.json) and once as an
 * HTML page (page.html), each result then checked and put through a poll
 * as the plugin does (fuzz_source.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_source.h"
#include "jsonld_read.h"

static const vd_host_t *host;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vd_fuzz_source_init();
	host = vd_fuzz_host("jsonld");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"postings.json", "page.html"};
	/* The plugin reads a file into a buffer with a NUL after its bytes. */
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < 2; i++) {
		json_t *entry = vd_jsonld_read(vd_fuzz_src_tax, host, names[i], text, size);
		vd_fuzz_check_read(entry, host, names[i]);
		json_decref(entry);
	}
	free(text);
	return 0;
}
