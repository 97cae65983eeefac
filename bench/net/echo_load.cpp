// Neutral TCP echo load generator for bench W5 (plain C++, single-threaded
// epoll, no corio), so every server is driven by the same client.
//
//   echo_load --port P [--host 127.0.0.1] [--conns 100] [--msg 64] [--seconds 5]
//
// Each connection ping-pongs one message: send it, wait until all of it has
// come back (and matches), repeat. Prints one JSON line with the round trips
// completed in the window and per-round-trip latency percentiles; with
// --conns 1 that is the latency test.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int conns = 100;
  std::size_t msg = 64;
  double seconds = 5.0;
};

struct Conn {
  int fd = -1;
  std::size_t sent = 0;      // bytes of the current message written
  std::size_t received = 0;  // bytes of its echo read back
  bool want_out = false;     // registered for EPOLLOUT (a send was partial)
  Clock::time_point start;
};

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

[[noreturn]] void fail(const char* msg) {
  std::fprintf(stderr, "echo_load: %s\n", msg);
  std::exit(1);
}

[[noreturn]] void usage() {
  fail("usage: echo_load --port P [--host H] [--conns N] [--msg BYTES] [--seconds S]");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 == argc) usage();
    const char* value = argv[++i];
    char* end = nullptr;
    if (flag == "--host") {
      o.host = value;
      continue;
    }
    if (flag == "--seconds") {
      o.seconds = std::strtod(value, &end);
    } else {
      long v = std::strtol(value, &end, 10);
      if (flag == "--port") o.port = static_cast<int>(v);
      else if (flag == "--conns") o.conns = static_cast<int>(v);
      else if (flag == "--msg") o.msg = static_cast<std::size_t>(v);
      else usage();
    }
    if (*end != '\0') usage();
  }
  if (o.port <= 0 || o.port > 65535 || o.conns <= 0 || o.msg == 0 || !(o.seconds > 0)) usage();
  return o;
}

int connect_to(const Options& o) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) fail("--host must be an IPv4 address");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  // Blocking connect keeps setup simple; the measured window starts later.
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) die("fcntl");
  return fd;
}

class Load {
 public:
  explicit Load(const Options& o) : opt_(o), payload_(o.msg), scratch_(o.msg), conns_(o.conns) {
    for (std::size_t i = 0; i < payload_.size(); ++i) payload_[i] = static_cast<char>('a' + i % 26);
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1");
    for (Conn& c : conns_) {
      c.fd = connect_to(o);
      epoll_event ev{};
      ev.events = EPOLLIN;  // level-triggered: one recv per wakeup is enough
      ev.data.ptr = &c;
      if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) < 0) die("epoll_ctl");
    }
  }

  ~Load() {
    for (Conn& c : conns_) close(c.fd);
    close(ep_);
  }

  void run() {
    auto t0 = Clock::now();
    auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt_.seconds));
    for (Conn& c : conns_) begin(c, t0);
    epoll_event events[256];
    for (;;) {
      auto now = Clock::now();
      if (now >= deadline) break;
      auto left_ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
      int n = epoll_wait(ep_, events, 256, static_cast<int>(left_ms));
      if (n < 0) {
        if (errno == EINTR) continue;
        die("epoll_wait");
      }
      for (int i = 0; i < n; ++i) {
        Conn& c = *static_cast<Conn*>(events[i].data.ptr);
        if (events[i].events & EPOLLOUT) send_more(c);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) receive(c);
      }
    }
    elapsed_ = std::chrono::duration<double>(Clock::now() - t0).count();
  }

  void report() {
    std::size_t rts = latencies_ns_.size();
    std::printf(
        "{\"conns\":%d,\"msg\":%zu,\"seconds\":%.3f,\"round_trips\":%zu,\"rps\":%.1f,\"p50_us\":%.1f,"
        "\"p99_us\":%.1f}\n",
        opt_.conns, opt_.msg, elapsed_, rts, static_cast<double>(rts) / elapsed_, percentile_us(0.50),
        percentile_us(0.99));
  }

 private:
  void begin(Conn& c, Clock::time_point now) {
    c.sent = c.received = 0;
    c.start = now;
    send_more(c);
  }

  void send_more(Conn& c) {
    while (c.sent < payload_.size()) {
      ssize_t n = send(c.fd, payload_.data() + c.sent, payload_.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) die("send");
        break;
      }
      c.sent += static_cast<std::size_t>(n);
    }
    // Only a message that overflows the socket buffer needs EPOLLOUT.
    bool want_out = c.sent < payload_.size();
    if (want_out != c.want_out) {
      epoll_event ev{};
      ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
      ev.data.ptr = &c;
      if (epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev) < 0) die("epoll_ctl");
      c.want_out = want_out;
    }
  }

  void receive(Conn& c) {
    ssize_t n = recv(c.fd, scratch_.data(), payload_.size() - c.received, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("recv");
    }
    if (n == 0) fail("server closed a connection");
    if (std::memcmp(scratch_.data(), payload_.data() + c.received, static_cast<std::size_t>(n)) != 0)
      fail("echoed bytes differ from what was sent");
    c.received += static_cast<std::size_t>(n);
    if (c.received < payload_.size()) return;
    auto now = Clock::now();
    latencies_ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.start).count());
    begin(c, now);
  }

  // Nearest-rank percentile.
  double percentile_us(double q) {
    if (latencies_ns_.empty()) return 0.0;
    auto rank = static_cast<std::size_t>(q * static_cast<double>(latencies_ns_.size() - 1));
    std::nth_element(latencies_ns_.begin(), latencies_ns_.begin() + static_cast<std::ptrdiff_t>(rank),
                     latencies_ns_.end());
    return static_cast<double>(latencies_ns_[rank]) / 1000.0;
  }

  Options opt_;
  std::vector<char> payload_;
  std::vector<char> scratch_;
  std::vector<Conn> conns_;
  std::vector<std::int64_t> latencies_ns_;
  double elapsed_ = 0.0;
  int ep_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  Load load(parse(argc, argv));
  load.run();
  load.report();
  return 0;
}
