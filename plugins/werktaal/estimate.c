/* werktaal: levels, parameters and the weeks a gap takes (estimate.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "estimate.h"

static const char *const cefr[VD_WT_LEVELS] = {"A1", "A2", "B1", "B2", "C1", "C2"};
/* 1F..4F compare as A2..C1: rank 2..5. */
static const char *const dutch[] = {"1F", "2F", "3F", "4F"};

/* The keys a parameter file may hold; sources and note are for people. */
static const char *const param_keys[] = {"hours_to", "hours_per_week", "max_weeks", "sources",
                                         "note"};

int
vd_wt_level_rank(const char *level)
{
	if (!level)
		return 0;
	for (int i = 0; i < VD_WT_LEVELS; i++)
		if (strcasecmp(level, cefr[i]) == 0)
			return i + 1;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(level, dutch[i]) == 0)
			return i + 2;
	return 0;
}

const char *
vd_wt_level_name(int rank)
{
	return rank >= 1 && rank <= VD_WT_LEVELS ? cefr[rank - 1] : NULL;
}

static bool
known_key(const char *key)
{
	for (size_t i = 0; i < sizeof(param_keys) / sizeof(param_keys[0]); i++)
		if (strcmp(key, param_keys[i]) == 0)
			return true;
	return false;
}

/* hours_to: {"A1": h, ..., "C2": h}, every level, strictly increasing. */
static bool
load_hours(const json_t *v, vd_wt_params_t *p, char *why, size_t why_len)
{
	const char *key;
	json_t *h;

	if (!json_is_object(v) || json_object_size(v) != VD_WT_LEVELS) {
		snprintf(why, why_len, "hours_to must name the hours for each of A1..C2");
		return false;
	}
	json_object_foreach((json_t *)v, key, h)
	{
		int rank = vd_wt_level_rank(key);
		if (rank == 0 || strcmp(key, cefr[rank - 1]) != 0 || !json_is_number(h) ||
		    json_number_value(h) <= 0) {
			snprintf(why, why_len,
			         "hours_to.%s must be a CEFR level with hours above 0", key);
			return false;
		}
		p->hours_to[rank - 1] = json_number_value(h);
	}
	for (int i = 1; i < VD_WT_LEVELS; i++)
		if (p->hours_to[i] <= p->hours_to[i - 1]) {
			snprintf(why, why_len, "hours_to.%s must be more than hours_to.%s", cefr[i],
			         cefr[i - 1]);
			return false;
		}
	return true;
}

bool
vd_wt_params_load(const char *path, vd_wt_params_t *p, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *v;
	const char *key;
	bool ok = false;

	if (!root) {
		snprintf(why, why_len, "%s: line %d: %s", path, jerr.line, jerr.text);
		return false;
	}
	if (!json_is_object(root)) {
		snprintf(why, why_len, "%s: not a JSON object", path);
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (!known_key(key)) {
			snprintf(why, why_len, "%s: unknown key '%s'", path, key);
			goto out;
		}
	}
	if (!load_hours(json_object_get(root, "hours_to"), p, why, why_len))
		goto out;
	v = json_object_get(root, "hours_per_week");
	if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 40) {
		snprintf(why, why_len, "%s: hours_per_week must be a number above 0, at most 40",
		         path);
		goto out;
	}
	p->hours_per_week = json_number_value(v);
	v = json_object_get(root, "max_weeks");
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 520) {
		snprintf(why, why_len, "%s: max_weeks must be a whole number from 1 to 520", path);
		goto out;
	}
	p->max_weeks = (unsigned)json_integer_value(v);
	ok = true;
out:
	json_decref(root);
	return ok;
}

unsigned
vd_wt_weeks(const vd_wt_params_t *p, int from, int to, double hours_per_week)
{
	double hours;

	if (from < 1)
		from = 1; /* below A1 is not a level we estimate from */
	if (to <= from || to > VD_WT_LEVELS || hours_per_week <= 0)
		return 0;
	hours = p->hours_to[to - 1] - p->hours_to[from - 1];
	/* A tiny epsilon so that 200 h at 6.25 h/week is 32 weeks, not 33. */
	return (unsigned)ceil(hours / hours_per_week - 1e-9);
}

int
vd_wt_lowest_level(const vd_wt_params_t *p, int need, int max_gap)
{
	int lowest = 0;

	/* Weeks grow as the level falls, so the admissible levels are a run
	 * just below need: walk down until the gap or the weeks are too many. */
	for (int r = need - 1; r >= 1 && need - r <= max_gap; r--) {
		if (vd_wt_weeks(p, r, need, p->hours_per_week) > p->max_weeks)
			break;
		lowest = r;
	}
	return lowest;
}

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

bool
vd_wt_date_parse(const char *text, long *days)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, m, d;
	bool leap;

	if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return false;
	y = (unsigned)((text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 +
	               (text[3] - '0'));
	m = (unsigned)((text[5] - '0') * 10 + (text[6] - '0'));
	d = (unsigned)((text[8] - '0') * 10 + (text[9] - '0'));
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return false;
	*days = days_from_civil((long)y, m, d);
	return true;
}

void
vd_wt_date_format(long days, char out[11])
{
	long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, y;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;

	char buf[32];

	y = (long)yoe + era * 400 + (m <= 2);
	/* Years outside 0..9999 never come from vd_wt_date_parse plus weeks. */
	snprintf(buf, sizeof(buf), "%04ld-%02u-%02u", y, m, d);
	memcpy(out, buf, 10);
	out[10] = '\0';
}
