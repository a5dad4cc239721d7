#pragma once
// The server role of HTTP/1.1 as a pure state machine: bytes in, iovecs out.
// The adapter drives it with the calls of BasicConnection
// (basic_connection.hpp); requests reach the application through its
// Handler, and it answers through each request's Exchange.
#include "wirestate/api.hpp"

#include <memory>

#include "wirestate/basic_connection.hpp"
#include "wirestate/config.hpp"
#include "wirestate/exchange.hpp"
#include "wirestate/handler.hpp"
#include "wirestate/time.hpp"

namespace wirestate {

class WIRESTATE_API ServerConnection : public BasicConnection<ServerRole> {
 public:
  // `config` and `handler` are borrowed and must outlive the connection.
  ServerConnection(const Config& config, Handler& handler, Time now);
  ~ServerConnection();

  // Graceful stop: no new requests are accepted; in-flight responses finish,
  // then the connection closes. An idle connection closes at once.
  void shutdown(Time now) noexcept;

  // A pointer the adapter keeps with the connection (what it knows of the
  // peer, say, for an access log); the application reads it through
  // Exchange::connection_user_data() and RefusedRequest. Not owned.
  void set_user_data(void* data) noexcept;
};

}  // namespace wirestate
