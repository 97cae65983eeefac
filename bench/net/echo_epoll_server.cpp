// Raw single-threaded epoll echo server in plain C++ (no corio): the ceiling
// that corio's echo server is measured against in bench W5.
//
//   echo_epoll_server PORT      (PORT 0 picks a free port)
//
// Prints "PORT <n>" as its first stdout line. On SIGTERM/SIGINT prints
// "CPU <user_s> <sys_s>" (getrusage) and exits.
//
// Why edge-triggered: each connection is registered once for
// EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET and never re-armed, so the steady state is
// just epoll_wait + recv + send per message. Level-triggered would need an
// epoll_ctl to add and remove EPOLLOUT around every partial write, and the
// kernel re-polls every level-triggered ready fd on the next epoll_wait.
// The cost of ET is that input must be drained fully on each event; a short
// read already proves the socket is empty (see epoll(7)), which saves the
// usual extra recv() that only returns EAGAIN.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

// Stop reading from a client whose echoes pile up beyond this (it is not
// reading its socket); resume once the backlog has been flushed.
constexpr std::size_t kMaxPending = 1 << 20;
constexpr int kMaxEvents = 256;

volatile sig_atomic_t g_stop = 0;
char g_buf[64 * 1024];

struct Conn {
  int fd;
  std::vector<char> pending;  // echo bytes the kernel has not accepted yet
  bool read_paused = false;   // stopped reading because pending is full
};

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

void on_signal(int) { g_stop = 1; }

// Sends as much of `pending` as the socket takes. False on a fatal error.
bool flush(Conn& c) {
  while (!c.pending.empty()) {
    ssize_t n = send(c.fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN;  // EPOLLOUT will bring us back
    }
    c.pending.erase(c.pending.begin(), c.pending.begin() + n);
  }
  return true;
}

// Echoes `n` bytes: straight to the socket unless older bytes are still
// queued (ordering), keeping whatever the socket does not take.
bool echo(Conn& c, const char* data, std::size_t n) {
  std::size_t sent = 0;
  if (c.pending.empty()) {
    ssize_t r = send(c.fd, data, n, MSG_NOSIGNAL);
    if (r < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (r > 0) sent = static_cast<std::size_t>(r);
  }
  c.pending.insert(c.pending.end(), data + sent, data + n);
  return true;
}

// Reads until the socket is drained (or pending is full). False once the peer
// closed or failed. A peer that half-closes loses echoes still pending: fine
// for a benchmark whose clients wait for every echo before closing.
bool drain_input(Conn& c, std::uint32_t events) {
  c.read_paused = false;
  for (;;) {
    if (c.pending.size() >= kMaxPending) {
      c.read_paused = true;
      return true;
    }
    ssize_t n = recv(c.fd, g_buf, sizeof g_buf, 0);
    if (n > 0) {
      if (!echo(c, g_buf, static_cast<std::size_t>(n))) return false;
      // Short read: the queue is empty. Unless a FIN is already known to be
      // queued behind the data (EPOLLRDHUP), new data will raise a new edge.
      if (static_cast<std::size_t>(n) < sizeof g_buf && !(events & EPOLLRDHUP)) return true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN;
  }
}

void close_conn(Conn* c) {
  close(c->fd);  // also removes it from the epoll set
  delete c;
}

void on_conn_event(Conn* c, std::uint32_t events) {
  bool ok = true;
  if (events & EPOLLOUT) ok = flush(*c);
  // Hangups and errors surface as recv() returning 0 or failing.
  constexpr std::uint32_t kInput = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
  bool resume = c->read_paused && c->pending.empty();
  if (ok && ((events & kInput) || resume)) ok = drain_input(*c, events);
  if (!ok) close_conn(c);
}

void accept_all(int listener, int ep) {
  for (;;) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EAGAIN: backlog empty. Anything else (EMFILE...) is retried on the
      // next wakeup, since the listener is level-triggered.
      if (errno != EAGAIN) std::perror("accept4");
      return;
    }
    int one = 1;  // echoes must leave immediately, not wait for Nagle
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* c = new Conn{fd, {}};
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  }
}

int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
  if (listen(fd, SOMAXCONN) < 0) die("listen");
  return fd;
}

int bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) die("getsockname");
  return ntohs(addr.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
  char* end = nullptr;
  long port = argc == 2 ? std::strtol(argv[1], &end, 10) : -1;
  if (argc != 2 || *end != '\0' || port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s PORT   (0 = pick a free port)\n", argv[0]);
    return 2;
  }

  // Signals stay blocked except inside epoll_pwait, so a SIGTERM can never
  // slip in between the g_stop check and going to sleep.
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigset_t stop_signals, wait_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);

  int listener = listen_on(static_cast<int>(port));
  std::printf("PORT %d\n", bound_port(listener));
  std::fflush(stdout);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  epoll_event lev{};
  lev.events = EPOLLIN;  // data.ptr == nullptr marks the listener
  if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev) < 0) die("epoll_ctl");

  epoll_event events[kMaxEvents];
  while (!g_stop) {
    int n = epoll_pwait(ep, events, kMaxEvents, -1, &wait_mask);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_pwait");
    }
    // epoll reports each fd at most once per call, so closing a connection
    // here cannot leave a dangling pointer later in this batch.
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr)
        accept_all(listener, ep);
      else
        on_conn_event(static_cast<Conn*>(events[i].data.ptr), events[i].events);
    }
  }

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("CPU %.6f %.6f\n", static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6,
              static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6);
  return 0;
}
