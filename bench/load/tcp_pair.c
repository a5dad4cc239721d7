/* Scenario 3's two measurements, made by one receiver so that only the sender
 * differs between them. The receiver runs on cpu 1 (the load generator's) and
 * reads 256 KiB at a time; it prints what it received per second.
 *
 *   tcp_pair BYTES        raw TCP loopback: a sender forked onto cpu 0 (the
 *                         servers') writes BYTES, 1 MiB a call
 *   tcp_pair BYTES PORT   HTTP: GET /bytes/BYTES from 127.0.0.1:PORT; the
 *                         rate counts the body, from the request to its end
 *
 * 1 MiB writes are the best raw sender measured on the bench machine (64 KiB
 * and 256 KiB writes ran slower: docs/performance.md, scenario 3). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SEND_BYTES = 1 << 20, RECV_BYTES = 256 << 10 };

static char send_buf[SEND_BYTES];
static char recv_buf[RECV_BYTES];

static void pin(int cpu) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(cpu, &cpus);
  sched_setaffinity(0, sizeof cpus, &cpus);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Reads until `want` bytes or the peer's close; returns what it read. */
static long long receive(int fd, long long want) {
  long long got = 0;
  for (ssize_t n; got < want && (n = read(fd, recv_buf, sizeof recv_buf)) > 0;) got += n;
  return got;
}

static int raw(long long total) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) || listen(lfd, 1)) { perror("listen"); return 1; }
  getsockname(lfd, (struct sockaddr*)&addr, &len);
  pid_t child = fork();
  if (child < 0) { perror("fork"); return 1; }
  pin(child == 0 ? 0 : 1);
  if (child == 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr*)&addr, sizeof addr)) { perror("connect"); _exit(1); }
    for (long long sent = 0; sent < total;) {
      ssize_t n = write(fd, send_buf, total - sent < SEND_BYTES ? (size_t)(total - sent) : SEND_BYTES);
      if (n <= 0) _exit(1);
      sent += n;
    }
    close(fd);
    _exit(0);
  }
  int fd = accept(lfd, NULL, NULL);
  double start = now();
  long long got = receive(fd, total);
  double seconds = now() - start;
  int status = 0;
  waitpid(child, &status, 0);
  printf("%.0f\n", got / seconds);
  return got == total && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int http(long long total, int port) {
  pin(1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr)) { perror("connect"); return 1; }
  char request[160];
  int n = snprintf(request, sizeof request,
                   "GET /bytes/%lld HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", total);
  double start = now();
  if (write(fd, request, n) != n) { perror("write"); return 1; }
  /* The head, then the body through the same loop as the raw receiver. */
  size_t have = 0;
  char* head_end = NULL;
  while (!head_end && have < sizeof recv_buf - 1) {
    ssize_t k = read(fd, recv_buf + have, sizeof recv_buf - 1 - have);
    if (k <= 0) { fprintf(stderr, "tcp_pair: no response head\n"); return 1; }
    have += (size_t)k;
    recv_buf[have] = '\0';
    head_end = strstr(recv_buf, "\r\n\r\n");
  }
  if (!head_end || strncmp(recv_buf, "HTTP/1.1 200 ", 13) != 0) {
    fprintf(stderr, "tcp_pair: not a 200 response: %.40s\n", recv_buf);
    return 1;
  }
  long long body = (long long)(have - (size_t)(head_end + 4 - recv_buf));
  body += receive(fd, total - body);
  double seconds = now() - start;
  close(fd);
  printf("%.0f\n", body / seconds);
  if (body != total) fprintf(stderr, "tcp_pair: %lld of %lld body bytes\n", body, total);
  return body == total ? 0 : 1;
}

int main(int argc, char** argv) {
  long long total = argc > 1 ? atoll(argv[1]) : (1LL << 30);
  if (total <= 0) { fprintf(stderr, "usage: tcp_pair BYTES [PORT]\n"); return 2; }
  return argc > 2 ? http(total, atoi(argv[2])) : raw(total);
}
