/*
 * date.c - the calendar arithmetic behind date.h: Howard Hinnant's
 * days_from_civil and its inverse (exact for every Gregorian day), and
 * strict readers that accept exactly the forms date.h names, digit by digit
 * (no sscanf: it would take signs and spaces).
 */
#include "common/date.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

static int32_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_format(char out[DATE_BYTES], int32_t day)
{
	int32_t z = day + 719468;
	int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	int32_t doe = z - era * 146097;
	int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int32_t mp = (5 * doy + 2) / 153;
	int32_t d = doy - (153 * mp + 2) / 5 + 1;
	int32_t m = mp < 10 ? mp + 3 : mp - 9;
	int32_t y = yoe + era * 400 + (m <= 2);
	char tmp[40];

	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (int)y, (int)m, (int)d);
	memcpy(out, tmp, DATE_BYTES - 1);
	out[DATE_BYTES - 1] = '\0';
}

void date_format_time(char out[DATE_TIME_BYTES], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, DATE_TIME_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads n digits at s into *v; 0 or -1. */
static int digits(int *v, const char *s, int n)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* The first ten characters of s as a date; 0 or -1 (no message). */
static int date_part(int32_t *out_day, const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (digits(&y, s, 4) < 0 || s[4] != '-' || digits(&m, s + 5, 2) < 0 ||
	    s[7] != '-' || digits(&d, s + 8, 2) < 0)
		return -1;
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*out_day = days_from_civil(y, m, d);
	return 0;
}

bool date_valid(const char *s)
{
	int32_t day;

	return s && strlen(s) == 10 && date_part(&day, s) == 0;
}

int date_parse(int32_t *out_day, const char *s)
{
	if (!date_valid(s))
		return err_set(ERR_INVALID, "expected a date YYYY-MM-DD (%d-%d), got '%s'",
			       DATE_YEAR_MIN, DATE_YEAR_MAX, s ? s : "(none)");
	return date_part(out_day, s);
}

/* The clock at s: "HH:MM:SS"; 0 or -1. */
static int clock_part(int *out_s, const char *s)
{
	int hh, mm, ss;

	if (digits(&hh, s, 2) < 0 || s[2] != ':' || digits(&mm, s + 3, 2) < 0 ||
	    s[5] != ':' || digits(&ss, s + 6, 2) < 0 || hh > 23 || mm > 59 || ss > 59)
		return -1;
	*out_s = hh * 3600 + mm * 60 + ss;
	return 0;
}

bool date_time_utc_valid(const char *s)
{
	int32_t day;
	int secs;

	return s && strlen(s) == 20 && date_part(&day, s) == 0 && s[10] == 'T' &&
	       clock_part(&secs, s + 11) == 0 && s[19] == 'Z';
}

int date_parse_time(int64_t *out_s, int32_t *out_ns, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	int32_t day;
	int secs, oh = 0, om = 0, sign = 0;
	int32_t ns = 0;
	const char *p;

	if (len < 10 || date_part(&day, s) < 0)
		goto bad;
	*out_s = (int64_t)day * 86400;
	*out_ns = 0;
	if (len == 10)
		return 0;
	if ((s[10] != 'T' && s[10] != 't') || len < 20 || clock_part(&secs, s + 11) < 0)
		goto bad;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 9)
				ns = ns * 10 + (*p - '0');
		if (n == 0)
			goto bad;
		for (; n < 9; n++)
			ns *= 10;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
		   digits(&oh, p + 1, 2) == 0 && p[3] == ':' &&
		   digits(&om, p + 4, 2) == 0 && oh <= 23 && om <= 59) {
		sign = *p == '+' ? 1 : -1;
	} else {
		goto bad;
	}
	*out_s += secs - sign * (oh * 3600 + om * 60);
	*out_ns = ns;
	return 0;
bad:
	return err_set(ERR_INVALID, "expected a date YYYY-MM-DD or an RFC 3339 "
				    "timestamp like 2018-12-01T09:30:00Z, got '%s'",
		       s ? s : "(none)");
}
