/*
 * test_date.c -- calendar arithmetic of vm/date.h: day numbers <-> Y-M-D,
 * validity, parsing and formatting, and svm_date_add's month-end clamping,
 * sentinels and range limits (years 1..9999).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "date.h"

enum { FIRST_DAY = -719162, LAST_DAY = 2932896 }; /* 0001-01-01, 9999-12-31 */

static int32_t ymd(int y, int m, int d) {
  cr_assert(svm_date_valid(y, m, d), "%04d-%02d-%02d should be valid", y, m, d);
  return svm_date_from_ymd(y, m, d);
}

/* svm_date_add, asserting that it succeeds. */
static int32_t add(int32_t day, int64_t months, int64_t days) {
  int32_t out = 0;
  cr_assert(svm_date_add(day, months, days, &out), "svm_date_add(%d, %lld, %lld) failed", (int)day,
            (long long)months, (long long)days);
  return out;
}

static void expect_ymd(int32_t day, int y, int m, int d) {
  int yy, mm, dd;
  svm_date_to_ymd(day, &yy, &mm, &dd);
  cr_assert(yy == y && mm == m && dd == d, "day %d is %04d-%02d-%02d, expected %04d-%02d-%02d", (int)day, yy, mm, dd,
            y, m, d);
}

Test(date, counts_days_from_1970_01_01) {
  cr_assert_eq(svm_date_from_ymd(1970, 1, 1), 0);
  cr_assert_eq(svm_date_from_ymd(1970, 1, 2), 1);
  cr_assert_eq(svm_date_from_ymd(1969, 12, 31), -1);
  cr_assert_eq(svm_date_from_ymd(2000, 3, 1), 11017);
}

Test(date, gives_the_first_and_last_representable_days) {
  cr_assert_eq(svm_date_from_ymd(1, 1, 1), FIRST_DAY);
  cr_assert_eq(svm_date_from_ymd(9999, 12, 31), LAST_DAY);
}

Test(date, round_trips_every_day_from_year_1_to_9999) {
  int py, pm, pd;
  svm_date_to_ymd(FIRST_DAY, &py, &pm, &pd);
  cr_assert(py == 1 && pm == 1 && pd == 1);
  for (int32_t day = FIRST_DAY + 1; day <= LAST_DAY; day++) {
    int y, m, d;
    svm_date_to_ymd(day, &y, &m, &d);
    if (!svm_date_valid(y, m, d) || svm_date_from_ymd(y, m, d) != day)
      cr_assert_fail("day %d gives %04d-%02d-%02d, which does not map back", (int)day, y, m, d);
    /* Each day follows the previous one on the calendar. */
    bool next = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1 && pd == svm_days_in_month(py, pm)) ||
                (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
    if (!next) cr_assert_fail("day %d (%04d-%02d-%02d) does not follow %04d-%02d-%02d", (int)day, y, m, d, py, pm, pd);
    py = y, pm = m, pd = d;
  }
  cr_assert(py == 9999 && pm == 12 && pd == 31);
}

Test(date, formats_and_parses_back_across_the_range) {
  for (int32_t day = FIRST_DAY; day <= LAST_DAY; day++) {
    char buf[11];
    svm_date_format(day, buf);
    int32_t back = 0;
    cr_assert(svm_date_parse(buf, strlen(buf), &back), "'%s' does not parse", buf);
    cr_assert_eq(back, day, "'%s' parses as %d, not %d", buf, (int)back, (int)day);
  }
}

Test(date, formats_with_four_digit_years_and_two_digit_fields) {
  char buf[11];
  svm_date_format(svm_date_from_ymd(7, 3, 9), buf);
  cr_assert_str_eq(buf, "0007-03-09");
  svm_date_format(svm_date_from_ymd(2021, 10, 1), buf);
  cr_assert_str_eq(buf, "2021-10-01");
}

Test(date, formats_the_sentinels_as_dawn_and_never) {
  char buf[11];
  svm_date_format(SVM_DAWN, buf);
  cr_assert_str_eq(buf, "dawn");
  svm_date_format(SVM_NEVER, buf);
  cr_assert_str_eq(buf, "never");
}

Test(date, rejects_february_29_of_a_common_year) {
  cr_assert_not(svm_date_valid(2021, 2, 29));
  int32_t out = 0;
  cr_assert_not(svm_date_parse("2021-02-29", 10, &out));
}

Test(date, accepts_february_29_of_a_leap_year) {
  cr_assert(svm_date_valid(2020, 2, 29));
  int32_t out = 0;
  cr_assert(svm_date_parse("2020-02-29", 10, &out));
  expect_ymd(out, 2020, 2, 29);
}

Test(date, rejects_february_29_of_a_century_not_divisible_by_400) {
  cr_assert_not(svm_date_valid(1900, 2, 29));
  cr_assert_not(svm_date_valid(2100, 2, 29));
  cr_assert_eq(svm_days_in_month(1900, 2), 28);
}

Test(date, accepts_february_29_of_a_century_divisible_by_400) {
  cr_assert(svm_date_valid(2000, 2, 29));
  cr_assert(svm_date_valid(1600, 2, 29));
  cr_assert_eq(svm_days_in_month(2000, 2), 29);
}

Test(date, gives_each_month_its_length) {
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; m++) cr_assert_eq(svm_days_in_month(2021, m), len[m - 1], "month %d", m);
  cr_assert_eq(svm_days_in_month(2021, 0), 0);
  cr_assert_eq(svm_days_in_month(2021, 13), 0);
}

Test(date, rejects_day_zero_month_zero_and_month_thirteen) {
  cr_assert_not(svm_date_valid(2021, 1, 0));
  cr_assert_not(svm_date_valid(2021, 0, 1));
  cr_assert_not(svm_date_valid(2021, 13, 1));
  cr_assert_not(svm_date_valid(2021, 4, 31));
}

Test(date, rejects_years_outside_1_to_9999) {
  cr_assert_not(svm_date_valid(0, 1, 1));
  cr_assert_not(svm_date_valid(-1, 12, 31));
  cr_assert_not(svm_date_valid(10000, 1, 1));
  int32_t out = 0;
  cr_assert_not(svm_date_parse("0000-12-31", 10, &out));
}

Test(date, parses_only_the_exact_yyyy_mm_dd_form) {
  int32_t out = 0;
  cr_assert_not(svm_date_parse("2021-1-01", 9, &out));
  cr_assert_not(svm_date_parse("2021/01/01", 10, &out));
  cr_assert_not(svm_date_parse("2021-01-0x", 10, &out));
  cr_assert_not(svm_date_parse("2021-01-011", 11, &out));
  cr_assert_not(svm_date_parse("+021-01-01", 10, &out));
  cr_assert(svm_date_parse("2021-01-011", 10, &out), "the length given decides where the date ends");
  expect_ymd(out, 2021, 1, 1);
}

Test(date, clamps_january_31_plus_one_month_to_february_29_in_a_leap_year) {
  expect_ymd(add(ymd(2020, 1, 31), 1, 0), 2020, 2, 29);
}

Test(date, clamps_january_31_plus_one_month_to_february_28_in_a_common_year) {
  expect_ymd(add(ymd(2021, 1, 31), 1, 0), 2021, 2, 28);
}

Test(date, clamps_february_29_plus_one_year_to_february_28) {
  expect_ymd(add(ymd(2024, 2, 29), 12, 0), 2025, 2, 28);
  expect_ymd(add(ymd(2024, 2, 29), 48, 0), 2028, 2, 29);
}

Test(date, clamps_after_subtracting_months) {
  expect_ymd(add(ymd(2021, 3, 31), -1, 0), 2021, 2, 28);
  expect_ymd(add(ymd(2021, 5, 31), -1, 0), 2021, 4, 30);
  expect_ymd(add(ymd(2021, 1, 15), -13, 0), 2019, 12, 15);
}

Test(date, adds_months_before_days) {
  /* 2021-01-31 + 1 month = 2021-02-28, then + 1 day = 2021-03-01. */
  expect_ymd(add(ymd(2021, 1, 31), 1, 1), 2021, 3, 1);
}

Test(date, adds_days_across_month_and_year_ends) {
  expect_ymd(add(ymd(2020, 2, 28), 0, 1), 2020, 2, 29);
  expect_ymd(add(ymd(1900, 2, 28), 0, 1), 1900, 3, 1);
  expect_ymd(add(ymd(2021, 12, 31), 0, 1), 2022, 1, 1);
  expect_ymd(add(ymd(2022, 1, 1), 0, -1), 2021, 12, 31);
  expect_ymd(add(ymd(2020, 1, 1), 0, 366), 2021, 1, 1);
}

Test(date, leaves_the_sentinels_unchanged) {
  cr_assert_eq(add(SVM_DAWN, 5, 7), SVM_DAWN);
  cr_assert_eq(add(SVM_NEVER, -5, -7), SVM_NEVER);
  cr_assert_eq(add(SVM_NEVER, 1000000, 0), SVM_NEVER);
}

Test(date, steps_past_9999_12_31_to_never) {
  int32_t out = 12345;
  cr_assert_not(svm_date_add(LAST_DAY, 0, 1, &out));
  cr_assert_eq(out, SVM_NEVER, "after the calendar: never");
  out = 12345;
  cr_assert_not(svm_date_add(ymd(9999, 12, 1), 1, 0, &out));
  cr_assert_eq(out, SVM_NEVER);
  cr_assert(svm_date_add(ymd(9999, 11, 30), 1, 1, &out));
  cr_assert_eq(out, LAST_DAY);
}

Test(date, steps_before_0001_01_01_to_dawn) {
  int32_t out = 12345;
  cr_assert_not(svm_date_add(FIRST_DAY, 0, -1, &out));
  cr_assert_eq(out, SVM_DAWN, "before the calendar: dawn");
  out = 12345;
  cr_assert_not(svm_date_add(ymd(1, 1, 31), -1, 0, &out));
  cr_assert_eq(out, SVM_DAWN);
}

Test(date, a_month_step_through_year_0_may_come_back) {
  /* 0001-01-15 - 1 month is 0000-12-15 (proleptic), + 40 days 0001-01-24:
   * only the end result must be a calendar day. */
  int32_t out;
  cr_assert(svm_date_add(ymd(1, 1, 15), -1, 40, &out));
  cr_assert_eq(out, ymd(1, 1, 24));
  cr_assert(svm_date_add(ymd(9999, 12, 15), 1, -40, &out));
  cr_assert_eq(out, ymd(9999, 12, 6));
}

Test(date, adds_months_and_days_of_opposite_signs_exactly) {
  /* Ten thousand years and a month on, then almost ten thousand back:
   * 15000-02-01 on the way, 5001-04-02 in the end. */
  int32_t out;
  cr_assert(svm_date_add(ymd(5000, 1, 1), 120001, -3652000, &out));
  cr_assert_eq(out, ymd(5001, 4, 2));
  cr_assert(svm_date_add(ymd(5000, 1, 1), -120001, 3652000, &out));
  cr_assert_not(svm_date_add(ymd(5000, 1, 1), 2000000000, -2000000000, &out));
  cr_assert_eq(out, SVM_NEVER, "166 million years on, 5.5 million back: still past 9999");
}

Test(date, takes_huge_month_and_day_counts_to_the_side_they_lead) {
  int32_t out;
  cr_assert_not(svm_date_add(0, INT64_MAX, 0, &out));
  cr_assert_eq(out, SVM_NEVER);
  cr_assert_not(svm_date_add(0, INT64_MIN, 0, &out));
  cr_assert_eq(out, SVM_DAWN);
  cr_assert_not(svm_date_add(0, 0, INT64_MAX, &out));
  cr_assert_eq(out, SVM_NEVER);
  cr_assert_not(svm_date_add(0, 0, INT64_MIN, &out));
  cr_assert_eq(out, SVM_DAWN);
  cr_assert_not(svm_date_add(0, 200000, -1, &out));
  cr_assert_eq(out, SVM_NEVER);
}

Test(date, takes_a_day_number_outside_the_calendar_to_its_side) {
  int32_t out;
  cr_assert_not(svm_date_add(LAST_DAY + 1, 0, 0, &out));
  cr_assert_eq(out, SVM_NEVER);
  cr_assert_not(svm_date_add(FIRST_DAY - 1, 0, 0, &out));
  cr_assert_eq(out, SVM_DAWN);
}
