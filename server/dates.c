#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool
vd_date_parse(const char *text, int *out)
{
	int y, m, d;

	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return false;
	y = atoi(text);
	m = atoi(text + 5);
	d = atoi(text + 8);
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	*out = y * 10000 + m * 100 + d;
	return true;
}

void
vd_date_format(int date, char *buf)
{
	snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)date / 10000 % 10000,
	         (unsigned)date / 100 % 100, (unsigned)date % 100);
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTC instant of 01:00 on the last Sunday of a month: when EU summer time
 * starts (March) or ends (October). Computed here so that the server does
 * not depend on tzdata being installed. */
static time_t
eu_switch(int year, int month)
{
	long last = days_from_civil(year, month, 31);
	long weekday = (last + 4) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
	return (time_t)(last - weekday) * 86400 + 3600;
}

/* Europe/Amsterdam offset from UTC at instant t, in seconds. */
static long
amsterdam_offset(time_t t)
{
	struct tm utc;
	gmtime_r(&t, &utc);
	int year = utc.tm_year + 1900;
	return t >= eu_switch(year, 3) && t < eu_switch(year, 10) ? 7200 : 3600;
}

int
vd_date_at(time_t t)
{
	struct tm local;
	time_t shifted = t + amsterdam_offset(t);
	gmtime_r(&shifted, &local);
	return (local.tm_year + 1900) * 10000 + (local.tm_mon + 1) * 100 + local.tm_mday;
}

int
vd_date_today(void)
{
	const char *fixed = getenv("VAARDIG_TODAY");
	int date;

	if (fixed && vd_date_parse(fixed, &date))
		return date;
	return vd_date_at(time(NULL));
}

int
vd_date_next(int date)
{
	int y = date / 10000, m = date / 100 % 100, d = date % 100;

	if (d < days_in_month(y, m))
		return date + 1;
	if (m < 12)
		return y * 10000 + (m + 1) * 100 + 1;
	return (y + 1) * 10000 + 101;
}

long
vd_date_seconds_to_midnight(void)
{
	time_t now = time(NULL);
	long local = (long)((now + amsterdam_offset(now)) % 86400);
	return 86400 - local;
}
