/* taalhandhaving: calendar dates as day numbers, so that a million
 * profiles' dates fit in a few bytes each and deadlines are sums. */
#ifndef TAAL_DAYS_H
#define TAAL_DAYS_H

#include <stdbool.h>
#include <stdint.h>

/* Days since 0000-03-01 (proleptic Gregorian); 0 means "no date", which
 * no date from the year 1 on can be. */
typedef int32_t taal_day_t;

#define TAAL_NO_DAY 0

/* Parses exactly "YYYY-MM-DD" (a real date, years 1900-2999). */
bool taal_day_parse(const char *text, taal_day_t *out);

/* Writes "YYYY-MM-DD" into out. */
void taal_day_format(taal_day_t day, char out[11]);

/* day plus months, the day of the month cut to the month's length
 * (31 August + 6 months is 28 or 29 February). */
taal_day_t taal_day_add_months(taal_day_t day, int months);

#endif
