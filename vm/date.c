/*
 * date.c -- see date.h.  Civil-from-days and days-from-civil after Howard
 * Hinnant's algorithms: exact for every Gregorian date, no tables, no loops.
 */
#include "date.h"

#include <string.h>

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int svm_days_in_month(int y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

bool svm_date_valid(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= svm_days_in_month(y, m);
}

/* Days from 1970-01-01 of y-m-d in the proleptic calendar, in 64 bits: the
 * month steps of svm_date_add reach years far past 1..9999. */
static int64_t days_from_civil64(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int32_t svm_date_from_ymd(int y, int m, int d) { return (int32_t)days_from_civil64(y, m, d); }

enum { MIN_DAY = -719162, MAX_DAY = 2932896 }; /* 0001-01-01, 9999-12-31 */

void svm_date_to_ymd(int32_t day, int *y, int *m, int *d) {
  if (day >= MIN_DAY && day <= MAX_DAY) {
    /* Years 1..9999 (every day a report prints, every day svm_date_add
     * starts from): Neri and Schneider's Euclidean affine form, unsigned,
     * where each division is by a constant or a power of two (half the
     * instructions of the general form below). */
    uint32_t n = (uint32_t)(day + 719468);  /* days since 0000-03-01 */
    uint32_t n1 = 4 * n + 3;
    uint32_t c = n1 / 146097, nc = n1 % 146097 / 4;  /* century, day in it */
    uint64_t p2 = (uint64_t)2939745 * (4 * nc + 3);
    uint32_t z = (uint32_t)(p2 >> 32), ny = (uint32_t)p2 / 2939745 / 4;  /* year in century, day in year */
    uint32_t n3 = 2141 * ny + 197913;
    uint32_t mm = n3 >> 16, dd = (n3 & 0xffff) / 2141;  /* month from March, day in month */
    uint32_t jan = ny >= 306;  /* January or February: the next year */
    *y = (int)(100 * c + z + jan);
    *m = (int)(jan ? mm - 12 : mm);
    *d = (int)dd + 1;
    return;
  }
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
  unsigned v[10];
  for (int i = 0; i < 10; i++) v[i] = (unsigned)(unsigned char)s[i] - '0';
  if ((v[0] > 9) | (v[1] > 9) | (v[2] > 9) | (v[3] > 9) | (v[5] > 9) | (v[6] > 9) | (v[8] > 9) | (v[9] > 9))
    return false;  /* each a digit */
  int y = (int)(v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3]);
  int m = (int)(v[5] * 10 + v[6]);
  int d = (int)(v[8] * 10 + v[9]);
  /* Every month has 28 days: the calendar is asked only past that. */
  if (y < 1 || m < 1 || m > 12 || d < 1 || (d > 28 && d > svm_days_in_month(y, m))) return false;
  *out = svm_date_from_ymd(y, m, d);
  return true;
}

size_t svm_date_format(int32_t day, char buf[11]) {
  if (day == SVM_DAWN) { memcpy(buf, "dawn", 5); return 4; }
  if (day == SVM_NEVER) { memcpy(buf, "never", 6); return 5; }
  int y, m, d;
  svm_date_to_ymd(day, &y, &m, &d);
  if (y < 0 || y > 9999) { memcpy(buf, "bad-date", 9); return 8; }
  /* By hand, two digits at a time: reports format a date in most reasons. */
  static const char two[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                            "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                            "8081828384858687888990919293949596979899";
  memcpy(buf, two + 2 * (y / 100), 2);
  memcpy(buf + 2, two + 2 * (y % 100), 2);
  buf[4] = '-';
  memcpy(buf + 5, two + 2 * m, 2);
  buf[7] = '-';
  memcpy(buf + 8, two + 2 * d, 2);
  buf[10] = '\0';
  return 10;
}

bool svm_date_add(int32_t day, int64_t months, int64_t days, int32_t *out) {
  if (day == SVM_DAWN || day == SVM_NEVER) { *out = day; return true; }
  /* Past the calendar the open bounds stand for the result: before
   * 0001-01-01 is dawn, after 9999-12-31 never. */
  if (day < MIN_DAY || day > MAX_DAY) { *out = day < MIN_DAY ? SVM_DAWN : SVM_NEVER; return false; }
  const int64_t lim = (int64_t)1 << 32;  /* a duration's parts are 32-bit; past this, only tests */
  if (months < -lim || months > lim || days < -lim || days > lim) {
    double whole = (double)months * 30.436875 + (double)days;
    *out = whole < 0 ? SVM_DAWN : SVM_NEVER;
    return false;
  }
  /* The month step in the proleptic calendar (a year 0 or 10000, or far
   * beyond, on the way is fine: only the end result must be a calendar day),
   * then the days, exactly. */
  int y, m, d;
  svm_date_to_ymd(day, &y, &m, &d);
  int64_t total = (int64_t)y * 12 + (m - 1) + months;
  int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
  int nm = (int)(total - ny * 12) + 1;
  /* At most 2^32 days (under 12 million years) come back: a month step
   * further out than that stays out. */
  if (ny < -12000000 || ny > 12010000) { *out = ny < 0 ? SVM_DAWN : SVM_NEVER; return false; }
  int dim = svm_days_in_month((int)ny, nm);
  if (d > dim) d = dim;
  int64_t r = days_from_civil64(ny, nm, d) + days;
  if (r < MIN_DAY || r > MAX_DAY) { *out = r < MIN_DAY ? SVM_DAWN : SVM_NEVER; return false; }
  *out = (int32_t)r;
  return true;
}
