/*
 * date.c -- see date.h.  Civil-from-days and days-from-civil after Howard
 * Hinnant's algorithms: exact for every Gregorian date, no tables, no loops.
 */
#include "date.h"

#include <stdio.h>

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int svm_days_in_month(int y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

bool svm_date_valid(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= svm_days_in_month(y, m);
}

int32_t svm_date_from_ymd(int y, int m, int d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + doe - 719468);
}

void svm_date_to_ymd(int32_t day, int *y, int *m, int *d) {
  int z = day + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int yy = yoe + era * 400;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool svm_date_parse(const char *s, size_t len, int32_t *out) {
  if (len != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (!svm_date_valid(y, m, d)) return false;
  *out = svm_date_from_ymd(y, m, d);
  return true;
}

void svm_date_format(int32_t day, char buf[11]) {
  if (day == SVM_DAWN) { snprintf(buf, 11, "dawn"); return; }
  if (day == SVM_NEVER) { snprintf(buf, 11, "never"); return; }
  int y, m, d;
  svm_date_to_ymd(day, &y, &m, &d);
  if (y < 0 || y > 9999) { snprintf(buf, 11, "bad-date"); return; }
  snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

enum { MIN_DAY = -719162, MAX_DAY = 2932896 }; /* 0001-01-01, 9999-12-31 */

bool svm_date_add(int32_t day, int64_t months, int64_t days, int32_t *out) {
  if (day == SVM_DAWN || day == SVM_NEVER) { *out = day; return true; }
  if (day < MIN_DAY || day > MAX_DAY) return false;
  if (months < -120000 || months > 120000 || days < -4000000 || days > 4000000) return false;
  int y, m, d;
  svm_date_to_ymd(day, &y, &m, &d);
  int64_t total = (int64_t)y * 12 + (m - 1) + months;
  if (total < 12 || total > 9999 * 12 + 11) return false;
  int ny = (int)(total / 12), nm = (int)(total % 12) + 1;
  int dim = svm_days_in_month(ny, nm);
  if (d > dim) d = dim;
  int64_t r = (int64_t)svm_date_from_ymd(ny, nm, d) + days;
  if (r < MIN_DAY || r > MAX_DAY) return false;
  *out = (int32_t)r;
  return true;
}
