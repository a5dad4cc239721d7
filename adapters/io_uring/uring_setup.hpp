#pragma once
// Opening a ring with what the kernel offers, and saying plainly why there
// is none.
#include <liburing.h>

#include <string>

namespace wirestate::adapters {

// Opens `ring` for one thread's loop: SINGLE_ISSUER | DEFER_TASKRUN (6.1),
// else COOP_TASKRUN (5.19), else neither. Returns 0, or the errno of the
// last refusal. A ring without EXT_ARG (timed waits, 5.11) is refused with
// EINVAL. The ring starts disabled: the thread that will submit to it calls
// start_ring(), which makes it that ring's single issuer.
int open_ring(io_uring& ring, unsigned entries);
int start_ring(io_uring& ring);

// One line naming why io_uring cannot be used, from open_ring's errno and
// what the machine says (kernel.io_uring_disabled).
std::string uring_unavailable(int error);

}  // namespace wirestate::adapters
