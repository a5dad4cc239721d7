#define _GNU_SOURCE
/* The floor of the load run: answers every "\r\n\r\n" it reads with a canned
 * plaintext response, parsing nothing. One epoll loop; one read and one write
 * per batch. Line ends are found with memchr (vectorized), and the responses
 * are laid out once at start, so a batch costs its two syscalls and little
 * else. Nothing real can beat it by much: it is what the syscalls and the
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

struct conn { int fd; char tail[3]; /* the last 3 bytes of the previous read */ };

/* How many "\r\n\r\n" end in `in`, counting ones that began in the previous
 * read (whose last bytes are in c->tail). */
static int count_ends(struct conn* c, const char* in, size_t r) {
  int requests = 0;
  for (const char* p = in; (p = memchr(p, '\n', (size_t)(in + r - p))); ++p) {
    size_t k = (size_t)(p - in);
    char b1 = k >= 1 ? in[k - 1] : c->tail[2];
    char b2 = k >= 2 ? in[k - 2] : c->tail[1 + k];
    char b3 = k >= 3 ? in[k - 3] : c->tail[k];
    requests += b1 == '\r' && b2 == '\n' && b3 == '\r';
  }
  for (int i = 0; i < 3; ++i) {
    ssize_t from = (ssize_t)r - 3 + i;
    c->tail[i] = from >= 0 ? in[from] : c->tail[i + r];
  }
  return requests;
}

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
  enum { most = 512 };
  static char out[(sizeof response - 1) * most];
  for (int q = 0; q < most; ++q) memcpy(out + q * (sizeof response - 1), response, sizeof response - 1);
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
      int requests = count_ends(c, in, (size_t)r);
      if (requests > most) requests = most;
      size_t total = (size_t)requests * (sizeof response - 1);
      if (total && write(c->fd, out, total) < 0) { close(c->fd); free(c); }
    }
  }
}
