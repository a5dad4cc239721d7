// Every state axis's table of allowed moves, as docs/internals.md draws it:
// the page lists each table's moves, and this test builds the same line from
// the table itself, so the two cannot drift apart.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "client/client_core.hpp"
#include "core/transport.hpp"
#include "server/server_core.hpp"

using namespace wirestate::detail;

namespace {

template <class E>
std::string drawn(const char* axis) {
  std::string line = std::string("    ") + axis + ":";
  for (E from : Moves<E>::all)
    for (E to : Moves<E>::all)
      if (from != to && Moves<E>::allowed(from, to))
        line += std::string(" ") + Moves<E>::name(from) + ">" + Moves<E>::name(to);
  return line;
}

std::string internals_page() {
  std::ifstream in(WIRESTATE_SOURCE_DIR "/docs/internals.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("docs/internals.md draws every state axis from its table of moves") {
  const std::string page = internals_page();
  REQUIRE_FALSE(page.empty());
  for (const std::string& line : {drawn<Phase>("Phase"), drawn<Loop>("Loop"), drawn<ServerIn>("ServerIn"),
                                  drawn<ServerOut>("ServerOut"), drawn<Sending>("Sending"),
                                  drawn<ClientIn>("ClientIn")}) {
    INFO("expected on the page:\n" << line);
    CHECK(page.find(line + "\n") != std::string::npos);
  }
}

TEST_CASE("no axis allows a move back to where an exchange starts, but through restart") {
  for (ServerIn s : Moves<ServerIn>::all) CHECK_FALSE(Moves<ServerIn>::allowed(s, ServerIn::head));
  for (ServerOut s : Moves<ServerOut>::all) CHECK_FALSE(Moves<ServerOut>::allowed(s, ServerOut::none));
  for (ClientIn s : Moves<ClientIn>::all) CHECK_FALSE(Moves<ClientIn>::allowed(s, ClientIn::waiting));
  for (Phase s : Moves<Phase>::all) CHECK_FALSE(Moves<Phase>::allowed(s, Phase::open));
}
