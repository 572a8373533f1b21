/*
 * date.h -- calendar dates as day numbers.
 *
 * A date is an int32 count of days since 1970-01-01 (proleptic Gregorian),
 * so comparisons are integer comparisons and windows are cheap.  Two sentinels
 * stand for an open bound: SVM_DAWN (before every day) and SVM_NEVER (after
 * every day).  Arithmetic on a sentinel leaves it unchanged.  Years are
 * limited to 1..9999, the years YYYY-MM-DD can spell.
 */
#ifndef SVM_DATE_H
#define SVM_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVM_DAWN  INT32_MIN
#define SVM_NEVER INT32_MAX

/* Day number of y-m-d; the caller has checked svm_date_valid. */
int32_t svm_date_from_ymd(int y, int m, int d);
void svm_date_to_ymd(int32_t day, int *y, int *m, int *d);
bool svm_date_valid(int y, int m, int d);
int svm_days_in_month(int y, int m);
/* Parses exactly "YYYY-MM-DD" (len 10) into *out; false if malformed or not a real date. */
bool svm_date_parse(const char *s, size_t len, int32_t *out);
/* Writes "YYYY-MM-DD" (or "dawn"/"never") and a NUL into buf[11]; returns
 * its length. */
size_t svm_date_format(int32_t day, char buf[11]);
/* day + months (clamped to the month's end) + days.  True with the result
 * when it is a calendar day; false when it falls outside years 1..9999, with
 * *out = SVM_DAWN (before 0001-01-01) or SVM_NEVER (after 9999-12-31), the
 * open bounds standing for it.  Sentinels are returned unchanged (true). */
bool svm_date_add(int32_t day, int64_t months, int64_t days, int32_t *out);

#endif
