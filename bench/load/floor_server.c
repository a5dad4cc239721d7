#define _GNU_SOURCE
/* The floor of the load run: answers every "\r\n\r\n" it reads with a canned
 * plaintext response, parsing nothing. One epoll loop; one read and one write
 * per batch. Nothing real can beat it by much: it is what the syscalls and the
 * load generator allow on this machine.
 *
 *   floor_server PORT   (prints "listening on 127.0.0.1:PORT") */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
    "Server: floor\r\nDate: Mon, 23 Nov 2026 00:00:00 GMT\r\n\r\nHello, World!";

struct conn { int fd; int matched; /* bytes of \r\n\r\n matched so far */ };

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) || listen(lfd, 4096)) { perror("listen"); return 1; }
  socklen_t len = sizeof addr;
  getsockname(lfd, (struct sockaddr*)&addr, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  static char in[65536];
  static char out[sizeof response * 512];
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      struct conn* c = events[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          c = calloc(1, sizeof *c);
          c->fd = fd;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      ssize_t r = read(c->fd, in, sizeof in);
      if (r <= 0) { close(c->fd); free(c); continue; }
      int requests = 0;
      static const char end[] = "\r\n\r\n";
      for (ssize_t k = 0; k < r; ++k) {
        if (in[k] == end[c->matched]) { if (++c->matched == 4) { ++requests; c->matched = 0; } }
        else c->matched = in[k] == '\r' ? 1 : 0;
      }
      size_t total = 0;
      for (int q = 0; q < requests && total + sizeof response < sizeof out; ++q) {
        memcpy(out + total, response, sizeof response - 1);
        total += sizeof response - 1;
      }
      if (total && write(c->fd, out, total) < 0) { close(c->fd); free(c); }
    }
  }
}
