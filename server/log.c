#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void
vd_log(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event per line: a newline in a message (a JSON key, a library's
	 * error text) would make journald see two events, the second without a
	 * priority. Other control characters would garble a terminal. */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	/* One write per line, so concurrent lines never interleave. */
	fprintf(stderr, "<%d>vaardigd: %s\n", priority, line);
}
