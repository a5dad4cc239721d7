/* What waking a sleeping peer costs on this machine, measured the way the
 * load run meets it: one byte back and forth over a loopback TCP pair, the
 * echo on cpu 0 (the servers') and the pinger on cpu 1 (wrk's). The echo
 * either blocks in read, so that each of the pinger's writes must wake it,
 * or polls its socket without sleeping; the pinger does the same in both
 * runs. The difference in the pinger's system time between the two runs is
 * what waking the echo costs the writer, once a round trip. (A polling
 * pinger would not do: its empty reads are system time too.)
 *
 *   wake_cost ROUNDTRIPS
 *
 * prints: <sleeping echo: us a round trip> <pinger's system us a round trip>
 *         <polling echo: us a round trip> <pinger's system us a round trip>
 * Bounded: each run is ROUNDTRIPS exchanges, and an alarm ends the process
 * after 60 s whatever happens. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(cpu, &cpus);
  sched_setaffinity(0, sizeof cpus, &cpus);
}

static double seconds(struct timespec t) { return (double)t.tv_sec + (double)t.tv_nsec / 1e9; }

/* One byte from a socket that may be non-blocking; 0 when the peer is gone. */
static int get_byte(int fd, char* b) {
  for (;;) {
    ssize_t r = read(fd, b, 1);
    if (r == 1) return 1;
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return 0;
  }
}

/* ROUNDTRIPS exchanges with an echo that sleeps (poll = 0) or polls. */
static void measure(long roundtrips, int poll, double* rtt_us, double* sys_us) {
  const int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, (struct sockaddr*)&addr, &len) != 0) {
    perror("wake_cost: listen");
    exit(1);
  }
  pid_t echo = fork();
  if (echo == 0) {
    pin(0);
    int fd = accept(listener, NULL, NULL);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (poll) fcntl(fd, F_SETFL, O_NONBLOCK);
    char b;
    while (get_byte(fd, &b) && write(fd, &b, 1) == 1) {
    }
    _exit(0);
  }
  pin(1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    perror("wake_cost: connect");
    exit(1);
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char b = 'x';
  struct rusage before, after;
  struct timespec start, end;
  getrusage(RUSAGE_SELF, &before);
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < roundtrips; ++i) {
    if (write(fd, &b, 1) != 1 || !get_byte(fd, &b)) {
      fprintf(stderr, "wake_cost: the echo went away\n");
      exit(1);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  getrusage(RUSAGE_SELF, &after);
  close(fd);
  close(listener);
  waitpid(echo, NULL, 0);
  const double sys = (double)(after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
                     (double)(after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  *rtt_us = (seconds(end) - seconds(start)) / (double)roundtrips * 1e6;
  *sys_us = sys / (double)roundtrips * 1e6;
}

int main(int argc, char** argv) {
  long roundtrips = argc > 1 ? atol(argv[1]) : 0;
  if (roundtrips <= 0) {
    fprintf(stderr, "usage: wake_cost ROUNDTRIPS\n");
    return 2;
  }
  alarm(60);
  double rtt[2], sys[2];
  for (int poll = 0; poll < 2; ++poll) measure(roundtrips, poll, &rtt[poll], &sys[poll]);
  printf("%.2f %.2f %.2f %.2f\n", rtt[0], sys[0], rtt[1], sys[1]);
  return 0;
}
