/*
 * date.h - calendar dates and UTC instants, the one way tfledger reads and
 * writes them.
 *
 * A date is "YYYY-MM-DD" of the proleptic Gregorian calendar in years
 * DATE_YEAR_MIN..DATE_YEAR_MAX, held as days since 1970-01-01. An instant is
 * a date or an RFC 3339 timestamp, held as UTC seconds and nanoseconds since
 * the epoch. No time zone database and no locale is consulted; nothing here
 * allocates.
 */
#ifndef TFLEDGER_DATE_H
#define TFLEDGER_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The years a date may name: the fund's books start long after 1900, and
 * four digits end at 9999. */
#define DATE_YEAR_MIN 1900
#define DATE_YEAR_MAX 9999

/* "YYYY-MM-DD" and its NUL. */
#define DATE_BYTES 11
/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define DATE_TIME_BYTES 21

/*
 * Parses exactly "YYYY-MM-DD" into days since 1970-01-01. ERR_INVALID, with
 * a message quoting s, if it is not a real calendar day in the years above.
 */
int date_parse(int32_t *out_day, const char *s);

/* True if s (may be NULL: false) is a date date_parse accepts; sets no error. */
bool date_valid(const char *s);

/*
 * Parses a date or an RFC 3339 timestamp (T or t, fraction of up to nine
 * significant digits, Z or +hh:mm / -hh:mm) into UTC seconds and
 * nanoseconds since the epoch; a bare date is 00:00:00Z of that day.
 * ERR_INVALID with a message quoting s.
 */
int date_parse_time(int64_t *out_s, int32_t *out_ns, const char *s);

/* True if s (may be NULL: false) is exactly "YYYY-MM-DDTHH:MM:SSZ" naming
 * a real instant; sets no error. */
bool date_time_utc_valid(const char *s);

/* Writes day (days since epoch, within the years above) as YYYY-MM-DD. */
void date_format(char out[DATE_BYTES], int32_t day);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ". */
void date_format_time(char out[DATE_TIME_BYTES], time_t t);

#endif
