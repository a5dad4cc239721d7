// The Config a connection built with a null shared_ptr co-owns: the defaults,
// one object for the whole process (read only, so threads may share it).
#include "core/transport.hpp"

namespace wirestate::detail {

std::shared_ptr<const Config> default_config() noexcept {
  static const std::shared_ptr<const Config> defaults = std::make_shared<const Config>();
  return defaults;
}

}  // namespace wirestate::detail
