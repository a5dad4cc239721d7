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
  // The connection co-owns its Config: a loop shares one among all its
  // connections (null: the defaults), or the first form copies `config`
  // into one of the connection's own. Either way no Config the connection
  // reads can go away before it. What a Config points to (buffers, date,
  // server_name's bytes) stays the caller's and must outlive it; `handler`
  // is borrowed and must outlive it too.
  ServerConnection(const Config& config, Handler& handler, Time now);
  ServerConnection(std::shared_ptr<const Config> config, Handler& handler, Time now);
  ~ServerConnection();

  // Graceful stop: no new requests are accepted; in-flight responses finish,
  // then the connection closes. An idle connection closes at once.
  void shutdown(Time now) noexcept;

  // A pointer the adapter keeps with the connection (what it knows of the
  // peer, say, for an access log); the application reads it through
  // Exchange::connection_user_data() and RefusedRequest. Not owned.
  void set_user_data(void* data) noexcept;

  // What the connection is doing, as nginx's stub_status counts it:
  // waiting between requests (keep-alive, or a new connection yet to send),
  // reading a request head, or writing (an exchange in progress, from its
  // head to its response's last byte).
  enum class Activity { waiting, reading, writing };
  [[nodiscard]] Activity activity() const noexcept;
};

}  // namespace wirestate
