#pragma once
// The two sides of HTTP: tags that the templates written once for both roles
// (BasicConnection, ExchangeHandle) take, and the private types each names.
#include "wirestate/api.hpp"

namespace wirestate {

struct ServerRole;  // never defined
struct ClientRole;

namespace detail {
class ServerCore;
class ClientCore;
struct ExchangeState;
struct ClientExchangeState;

template <class Role>
struct RoleTypes;
template <>
struct RoleTypes<ServerRole> {
  using Core = ServerCore;
  using State = ExchangeState;
};
template <>
struct RoleTypes<ClientRole> {
  using Core = ClientCore;
  using State = ClientExchangeState;
};
}  // namespace detail

}  // namespace wirestate
