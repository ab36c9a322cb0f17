/* Calendar dates as plain integers YYYYMMDD, in the Europe/Amsterdam zone. */
#ifndef VD_DATES_H
#define VD_DATES_H

#include <stdbool.h>
#include <time.h>

/* Parses exactly "YYYY-MM-DD" (a real calendar date, years 1900-2999).
 * Returns true and sets *out to YYYYMMDD, or false. */
bool vd_date_parse(const char *text, int *out);

/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). */
void vd_date_format(int date, char *buf);

/* The date at instant t in Europe/Amsterdam. */
int vd_date_at(time_t t);

/* Today in Europe/Amsterdam; overridable for tests with VAARDIG_TODAY=YYYY-MM-DD. */
int vd_date_today(void);

/* The day after date. */
int vd_date_next(int date);

/* Seconds from now until the next midnight in Europe/Amsterdam (at least 1). */
long vd_date_seconds_to_midnight(void);

#endif
