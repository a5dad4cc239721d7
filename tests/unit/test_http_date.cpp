#include <catch2/catch.hpp>

#include "wirestate/http_date.hpp"

using wirestate::HttpDate;

TEST_CASE("HttpDate formats IMF-fixdate (RFC 9110 section 5.6.7)") {
  HttpDate d;
  d.set(784111777);  // the RFC's own example
  CHECK(d.view() == "Sun, 06 Nov 1994 08:49:37 GMT");
  d.set(0);
  CHECK(d.view() == "Thu, 01 Jan 1970 00:00:00 GMT");
  d.set(951782400);  // a leap day in a century leap year
  CHECK(d.view() == "Tue, 29 Feb 2000 00:00:00 GMT");
  d.set(4102444799);
  CHECK(d.view() == "Thu, 31 Dec 2099 23:59:59 GMT");
}
