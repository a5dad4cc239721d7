/* Raw TCP loopback throughput, for scenario 3's reference: a sender pinned
 * to cpu 0 (where the servers run) and a receiver pinned to cpu 1 (where
 * curl runs), 256 KiB writes, BYTES in total. Prints the receiver's rate in
 * bytes per second.
 *
 *   tcp_pair BYTES */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long long total = argc > 1 ? atoll(argv[1]) : (1LL << 30);
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) || listen(lfd, 1)) { perror("listen"); return 1; }
  getsockname(lfd, (struct sockaddr*)&addr, &len);
  static char buf[262144];
  pid_t child = fork();
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(child == 0 ? 0 : 1, &cpus);
  sched_setaffinity(0, sizeof cpus, &cpus);
  if (child == 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr*)&addr, sizeof addr)) { perror("connect"); _exit(1); }
    for (long long sent = 0; sent < total;) {
      ssize_t n = write(fd, buf, total - sent < (long long)sizeof buf ? (size_t)(total - sent) : sizeof buf);
      if (n <= 0) _exit(1);
      sent += n;
    }
    close(fd);
    _exit(0);
  }
  int fd = accept(lfd, NULL, NULL);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  long long got = 0;
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) got += n;
  clock_gettime(CLOCK_MONOTONIC, &b);
  waitpid(child, NULL, 0);
  double seconds = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.0f\n", got / seconds);
  return got == total ? 0 : 1;
}
