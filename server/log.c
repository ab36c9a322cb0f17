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
	/* One write per line, so concurrent lines never interleave. */
	fprintf(stderr, "<%d>vaardigd: %s\n", priority, line);
}
