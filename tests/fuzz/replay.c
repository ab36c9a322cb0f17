/* make check's half of the fuzz targets: replays every input kept in one
 * regressions/<target>/ folder through the target's LLVMFuzzerTestOneInput,
 * built without libFuzzer (gcc will do). An input that breaks an invariant
 * aborts, which fails the test; with the sanitizer build (scripts/sanitize.sh)
 * memory errors and undefined behaviour fail it too.
 *
 * VD_REPLAY_DIR names the folder (fuzz.am compiles it in). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#ifndef VD_REPLAY_DIR
#error "VD_REPLAY_DIR must name a tests/fuzz/regressions/<target> folder"
#endif

/* The whole file, new; NULL when it cannot be read. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size) {
		*len = (size_t)size;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int
main(int argc, char **argv)
{
	struct dirent **names = NULL;
	int n, replayed = 0, rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	n = scandir(VD_REPLAY_DIR, &names, NULL, alphasort);
	if (n < 0) {
		perror(VD_REPLAY_DIR);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		unsigned char *data;
		size_t len = 0;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", VD_REPLAY_DIR, names[i]->d_name);
		free(names[i]);
		if (!(data = slurp(path, &len))) {
			fprintf(stderr, "cannot read %s\n", path);
			rc = 1;
			continue;
		}
		printf("replaying %s\n", path);
		fflush(stdout);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		replayed++;
	}
	free(names);
	printf("%d input(s) replayed from %s\n", replayed, VD_REPLAY_DIR);
	/* A folder emptied by mistake should not pass unnoticed. */
	return rc || replayed == 0;
}
