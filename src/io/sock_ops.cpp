// event_loop::sock_*: asyncio's low-level socket coroutines. Each tries the
// syscall first and parks on a level-triggered readiness wait only on EAGAIN.
#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "corio/io/detail/readiness_wait.hpp"
#include "corio/io/socket.hpp"
#include "corio/loop.hpp"
#include "stream_resolve.hpp"

namespace corio {
namespace {

void check_fd(event_loop& loop, int fd) {
    if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "sock_*: invalid fd");
    if (loop.get_debug()) {
        // asyncio checks this in debug mode only: a blocking socket would
        // block the whole loop.
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0 && !(flags & O_NONBLOCK)) throw std::invalid_argument("the socket must be non-blocking");
    }
}

coro<void> sendall_bytes(event_loop& loop, int fd, std::string data) {
    check_fd(loop, fd);
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) detail::throw_errno(errno, "sock_sendall");
        detail::readiness_wait w(fd, io::writable, "loop.sock_sendall");
        co_await w;
    }
}

}  // namespace

coro<std::size_t> event_loop::sock_recv_into(int fd, std::span<std::byte> buf) {
    check_fd(*this, fd);
    for (;;) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n >= 0) co_return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) detail::throw_errno(errno, "sock_recv");
        detail::readiness_wait w(fd, io::readable, "loop.sock_recv");
        co_await w;
    }
}

coro<std::string> event_loop::sock_recv(int fd, std::size_t n) {
    std::string out(n, '\0');
    auto receiving = sock_recv_into(fd, std::as_writable_bytes(std::span<char>(out)));
    out.resize(co_await std::move(receiving));
    co_return out;
}

coro<void> event_loop::sock_sendall(int fd, std::string_view data) { return sendall_bytes(*this, fd, std::string(data)); }

coro<void> event_loop::sock_sendall(int fd, std::span<const std::byte> data) {
    return sendall_bytes(*this, fd, std::string(reinterpret_cast<const char*>(data.data()), data.size()));
}

coro<void> event_loop::sock_connect(int fd, endpoint address) {
    check_fd(*this, fd);
    // The fd's family decides which address fits (a Unix socket takes a path).
    int family = AF_UNSPEC;
    socklen_t len = sizeof family;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0) detail::throw_errno(errno, "sock_connect");
    if (family == AF_UNIX) {
        auto connecting = detail::connect_socket(fd, socket_address::unix_path(address.host));
        co_await std::move(connecting);
        co_return;
    }
    const std::uint16_t port = address.port;
    auto resolving = detail::resolve_stream_host(std::move(address.host), port, false);
    std::vector<socket_address> candidates = co_await std::move(resolving);
    for (const socket_address& a : candidates) {
        if (a.family() != family) continue;
        auto connecting = detail::connect_socket(fd, a);
        co_await std::move(connecting);
        co_return;
    }
    throw std::system_error(EAFNOSUPPORT, std::generic_category(), "sock_connect: no address of the socket's family");
}

coro<std::pair<socket, endpoint>> event_loop::sock_accept(int fd) {
    check_fd(*this, fd);
    for (;;) {
        socket_address peer;
        const int c = ::accept4(fd, peer.data(), &peer.size_ref(), SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) co_return std::pair<socket, endpoint>(socket::adopt(c), peer.to_endpoint());
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) detail::throw_errno(errno, "sock_accept");
        detail::readiness_wait w(fd, io::readable, "loop.sock_accept");
        co_await w;
    }
}

}  // namespace corio
