// Every state axis's table of allowed moves, as docs/internals.md draws it:
// the page lists each table's moves, and this test builds the same line from
// the table itself, so the two cannot drift apart.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "client/client_core.hpp"
#include "core/transport.hpp"
#include "server/server_core.hpp"

using namespace wirestate::detail;

namespace {

template <class E>
constexpr std::size_t states = std::size(Moves<E>::names);

template <class E>
std::string drawn(const char* axis) {
  std::string line = std::string("    ") + axis + ":";
  for (std::size_t from = 0; from < states<E>; ++from)
    for (std::size_t to = 0; to < states<E>; ++to)
      if (from != to && allowed(static_cast<E>(from), static_cast<E>(to)))
        line += std::string(" ") + Moves<E>::names[from] + ">" + Moves<E>::names[to];
  return line;
}

template <class E>
bool enters(E state) {
  for (std::size_t from = 0; from < states<E>; ++from)
    if (static_cast<E>(from) != state && allowed(static_cast<E>(from), state)) return true;
  return false;
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

template <class E>
bool every_move_names_states() {
  std::size_t listed_moves = 0;
  for (std::size_t from = 0; from < states<E>; ++from)
    for (std::size_t to = 0; to < states<E>; ++to)
      listed_moves += from != to && allowed(static_cast<E>(from), static_cast<E>(to));
  // As many moves between known states as the text lists: no typo hides one.
  std::size_t words = 1;
  for (char c : Moves<E>::moves) words += c == ' ';
  return listed_moves == words;
}

TEST_CASE("every move a table lists is between states of its enum") {
  CHECK(every_move_names_states<Phase>());
  CHECK(every_move_names_states<Loop>());
  CHECK(every_move_names_states<ServerIn>());
  CHECK(every_move_names_states<ServerOut>());
  CHECK(every_move_names_states<Sending>());
  CHECK(every_move_names_states<ClientIn>());
}

TEST_CASE("no axis allows a move back to where an exchange starts, but through restart") {
  CHECK_FALSE(enters(ServerIn::head));
  CHECK_FALSE(enters(ServerOut::none));
  CHECK_FALSE(enters(ClientIn::waiting));
  CHECK_FALSE(enters(Phase::open));
}
