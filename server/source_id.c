/* The id of a vacancy from a source plugin (API.md "Source ids"). Apart from
 * vacancy.c because it needs the SHA-256 of conf.c, which the libFuzzer
 * build of the parsers does not link. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "source_id.h"

void
vd_source_id(const char *prefix, const char *identifier, char out[65])
{
	char full[1024], hex[65];
	size_t len;

	snprintf(full, sizeof(full), "%s-%s", prefix, identifier ? identifier : "");
	len = strlen(full);
	memcpy(out, full, len < 64 ? len + 1 : 64);
	out[64] = '\0';
	for (char *c = out; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '-';
	if (len > 64) {
		vd_sha256_hex(full, len, hex);
		snprintf(out + 55, 10, "-%.8s", hex);
	}
}
