#include "uring_setup.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace wirestate::adapters {

int open_ring(io_uring& ring, unsigned entries) {
  static constexpr unsigned attempts[] = {
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
      IORING_SETUP_COOP_TASKRUN,
      0,
  };
  int error = 0;
  for (unsigned flags : attempts) {
    io_uring_params params{};
    params.flags = flags | IORING_SETUP_R_DISABLED;
    error = -io_uring_queue_init_params(entries, &ring, &params);
    // EINVAL: this kernel does not know the flags; anything else is no
    // ring at all, whatever the flags.
    if (error == 0) break;
    if (error != EINVAL) return error;
  }
  if (error != 0) return error;
  if (!(ring.features & IORING_FEAT_EXT_ARG)) {
    io_uring_queue_exit(&ring);
    return EINVAL;
  }
  return 0;
}

int start_ring(io_uring& ring) {
  // liburing 2.3 declares io_uring_enable_rings but does not export it.
  if (syscall(__NR_io_uring_register, ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) == 0) return 0;
  return errno;
}

std::string uring_unavailable(int error) {
  int disabled = 0;
  std::ifstream("/proc/sys/kernel/io_uring_disabled") >> disabled;
  std::string why = "io_uring is unavailable: ";
  if (disabled == 2) {
    why += "it is disabled on this machine (kernel.io_uring_disabled = 2)";
  } else if (error == EPERM && disabled == 1) {
    why += "this process may not create rings (kernel.io_uring_disabled = 1, and it is not in "
           "kernel.io_uring_group)";
  } else if (error == EPERM || error == EACCES) {
    why += "the system call was denied (a seccomp filter or a container's policy)";
  } else if (error == ENOSYS) {
    why += "the kernel has no io_uring, or a seccomp filter hides it";
  } else if (error == EINVAL) {
    why += "the kernel lacks what this adapter needs (Linux 6.1 or later)";
  } else if (error == ENOMEM) {
    why += "not enough locked memory for a ring (RLIMIT_MEMLOCK)";
  } else {
    why += std::strerror(error);
  }
  return why;
}

}  // namespace wirestate::adapters
