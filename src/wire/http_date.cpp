#include "wirestate/http_date.hpp"

namespace wirestate {
namespace {

// Days since 1970-01-01 to a civil date (proleptic Gregorian), after Howard
// Hinnant's public-domain derivation; exact for every 64-bit input we accept.
void civil_from_days(std::int64_t z, int& year, int& month, int& day) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2));
}

void two_digits(char* out, int v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void HttpDate::set(std::int64_t unix_seconds) {
  if (unix_seconds == seconds_) return;
  if (unix_seconds < 0) unix_seconds = 0;
  seconds_ = unix_seconds;
  static constexpr char days[] = "ThuFriSatSunMonTueWed";  // 1970-01-01 was a Thursday
  static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const std::int64_t day_number = unix_seconds / 86400;
  const auto secs = static_cast<int>(unix_seconds % 86400);
  int year = 0, month = 0, day = 0;
  civil_from_days(day_number, year, month, day);
  if (year > 9999) year = 9999;
  char* p = text_;
  const char* name = days + (day_number % 7) * 3;
  *p++ = name[0], *p++ = name[1], *p++ = name[2], *p++ = ',', *p++ = ' ';
  two_digits(p, day), p += 2, *p++ = ' ';
  const char* mon = months + (month - 1) * 3;
  *p++ = mon[0], *p++ = mon[1], *p++ = mon[2], *p++ = ' ';
  two_digits(p, year / 100), two_digits(p + 2, year % 100), p += 4, *p++ = ' ';
  two_digits(p, secs / 3600), p += 2, *p++ = ':';
  two_digits(p, secs / 60 % 60), p += 2, *p++ = ':';
  two_digits(p, secs % 60), p += 2;
  *p++ = ' ', *p++ = 'G', *p++ = 'M', *p++ = 'T';
}

}  // namespace wirestate
