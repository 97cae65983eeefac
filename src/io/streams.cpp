#include "corio/io/streams.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "corio/io/detail/readiness_wait.hpp"
#include "corio/io/detail/stream_transport.hpp"
#include "corio/io/dns.hpp"
#include "corio/io/socket.hpp"
#include "corio/sleep.hpp"
#include "stream_resolve.hpp"

namespace corio {
namespace detail {

std::uint16_t checked_port(int port) {
    if (port < 0 || port > 65535) throw std::invalid_argument("port must be 0-65535, got " + std::to_string(port));
    return static_cast<std::uint16_t>(port);
}

coro<std::vector<socket_address>> resolve_stream_host(std::string host, std::uint16_t port, bool passive) {
    std::vector<socket_address> out;
    if (host.empty() && passive) {
        out.push_back(socket_address::ip("0.0.0.0", port));
        out.push_back(socket_address::ip("::", port));
        co_return out;
    }
    if (host.empty()) host = "localhost";
    if (socket_address::is_numeric_host(host)) {
        out.push_back(socket_address::ip(host, port));
        co_return out;
    }
    if (host == "localhost") {  // no thread hop for the common case
        out.push_back(socket_address::ip("127.0.0.1", port));
        out.push_back(socket_address::ip("::1", port));
        co_return out;
    }
    getaddrinfo_options hints{.family = 0, .type = SOCK_STREAM, .proto = 0, .flags = passive ? AI_PASSIVE : 0};
    auto lookup = getaddrinfo(host, port, hints);
    std::vector<address_info> infos = co_await std::move(lookup);
    for (const address_info& i : infos) out.push_back(socket_address::ip(i.host, i.port));
    if (out.empty()) throw std::system_error(EAI_NONAME, std::generic_category(), "getaddrinfo(" + host + ")");
    co_return out;
}

coro<void> connect_socket(int fd, socket_address a) {
    for (;;) {
        if (::connect(fd, a.data(), a.size()) == 0) co_return;
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EINPROGRESS) break;
        if (err == EAGAIN && a.family() == AF_UNIX) {
            // A Unix listener's backlog is full: no "in progress" state to
            // wait on, so retry a little later (asyncio would spin here).
            co_await sleep(std::chrono::milliseconds(10));
            continue;
        }
        throw_errno(err, "connect");
    }
    readiness_wait w(fd, io::writable, "connect");
    co_await w;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) throw_errno(errno, "getsockopt(SO_ERROR)");
    if (err) throw_errno(err, "connect");
}

stream_pair make_socket_streams(int fd, std::size_t limit, endpoint peer, endpoint local) {
    auto t = stream_transport::create(fd, fd_kind::socket, limit, std::move(peer), std::move(local));
    return {stream_reader(t), stream_writer(t)};
}

}  // namespace detail

namespace {

void set_nodelay(int fd, int family) {
    if (family != AF_INET && family != AF_INET6) return;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

coro<stream_pair> open_connection(std::string host, int port, stream_options options) {
    const std::uint16_t p = detail::checked_port(port);
    auto resolving = detail::resolve_stream_host(host, p, false);
    std::vector<socket_address> addresses = co_await std::move(resolving);
    std::exception_ptr first_error;
    for (const socket_address& a : addresses) {
        socket s(a.family(), SOCK_STREAM);
        try {
            auto connecting = detail::connect_socket(s.fd(), a);
            co_await std::move(connecting);
        } catch (const std::system_error&) {
            if (!first_error) first_error = std::current_exception();
            continue;
        }
        set_nodelay(s.fd(), a.family());
        endpoint local = s.local_address().to_endpoint();
        co_return detail::make_socket_streams(s.release(), options.limit, a.to_endpoint(), std::move(local));
    }
    std::rethrow_exception(first_error);
}

coro<stream_pair> open_unix_connection(std::string path, stream_options options) {
    const socket_address a = socket_address::unix_path(path);
    socket s(AF_UNIX, SOCK_STREAM);
    auto connecting = detail::connect_socket(s.fd(), a);
    co_await std::move(connecting);
    endpoint local = s.local_address().to_endpoint();
    co_return detail::make_socket_streams(s.release(), options.limit, a.to_endpoint(), std::move(local));
}

stream_reader open_read_pipe(int fd, stream_options options) {
    detail::set_nonblocking(fd);
    return stream_reader(detail::stream_transport::create(fd, detail::fd_kind::pipe, options.limit));
}

stream_writer open_write_pipe(int fd) {
    detail::set_nonblocking(fd);
    return stream_writer(detail::stream_transport::create(fd, detail::fd_kind::pipe, stream_reader::default_limit));
}

}  // namespace corio
