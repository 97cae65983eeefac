#include "corio/io/datagram.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <system_error>
#include <vector>

#include "corio/io/dns.hpp"
#include "corio/loop.hpp"
#include "io_wait.hpp"
#include "loop_link.hpp"
#include "sockaddr.hpp"

namespace corio {

using io::detail::socket_address;

class datagram_endpoint::impl {
public:
    impl(event_loop& loop, int fd, int family)
        : link_(io::detail::link_to(loop)), fd_(fd), family_(family) {
        reader_ = {&loop.reactor(), fd, false, nullptr, "recvfrom"};
        writer_ = {&loop.reactor(), fd, true, nullptr, "sendto"};
    }
    ~impl() { close(); }
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    void close() noexcept {
        if (fd_ < 0) return;
        if (reader_.waiter) reader_.waiter->close_wake();
        if (writer_.waiter) writer_.waiter->close_wake();
        if (link_->loop) link_->loop->reactor().forget(fd_);
        ::close(fd_);
        fd_ = reader_.fd = writer_.fd = -1;
    }
    bool closed() const noexcept { return fd_ < 0; }
    int fd() const noexcept { return fd_; }
    int family() const noexcept { return family_; }

    void check_usable() const {
        if (fd_ < 0) throw std::system_error(EBADF, std::generic_category(), "the datagram endpoint is closed");
        if (!link_->loop || &get_running_loop() != link_->loop)
            throw std::runtime_error("datagram endpoint used outside the event loop that created it");
    }

    // to == nullptr: the connected peer.
    coro<void> send(std::string data, std::optional<socket_address> to) {
        for (;;) {
            check_usable();
            const ssize_t n = to ? ::sendto(fd_, data.data(), data.size(), MSG_NOSIGNAL, to->get(), to->length)
                                 : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n >= 0) co_return;
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) io::detail::throw_errno(to ? "sendto" : "send");
            io::detail::fd_wait wait(writer_);
            co_await wait;
        }
    }

    coro<datagram> recvfrom() {
        for (;;) {
            check_usable();
            // Bigger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6).
            if (buffer_.empty()) buffer_.resize(65536);
            socket_address from;
            from.length = sizeof from.storage;
            const ssize_t n = ::recvfrom(fd_, buffer_.data(), buffer_.size(), 0, from.get(), &from.length);
            if (n >= 0) co_return datagram{std::string(buffer_.data(), static_cast<std::size_t>(n)),
                                           io::detail::to_endpoint(from.get(), from.length)};
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) io::detail::throw_errno("recvfrom");
            io::detail::fd_wait wait(reader_);
            co_await wait;
        }
    }

private:
    std::shared_ptr<io::detail::loop_link> link_;
    int fd_;
    int family_;
    io::detail::fd_slot reader_, writer_;
    std::vector<char> buffer_;
};

namespace {

// Numeric hosts directly; names through getaddrinfo (off the loop thread).
coro<std::vector<socket_address>> resolve(std::string host, std::uint16_t port, int family, bool passive) {
    std::vector<socket_address> out;
    if (host.empty()) {
        socket_address any;
        if (family == AF_INET6) {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&any.storage);
            in6->sin6_family = AF_INET6;
            in6->sin6_addr = in6addr_any;
            in6->sin6_port = htons(port);
            any.length = sizeof(sockaddr_in6);
        } else {
            auto* in = reinterpret_cast<sockaddr_in*>(&any.storage);
            in->sin_family = AF_INET;
            in->sin_addr.s_addr = htonl(INADDR_ANY);
            in->sin_port = htons(port);
            any.length = sizeof(sockaddr_in);
        }
        out.push_back(any);
        co_return out;
    }
    if (auto a = io::detail::parse_numeric(host, port, family)) {
        out.push_back(*a);
        co_return out;
    }
    getaddrinfo_options hints{.family = family, .type = SOCK_DGRAM, .proto = 0, .flags = passive ? AI_PASSIVE : 0};
    auto infos = co_await corio::getaddrinfo(host, port, hints);
    for (const auto& info : infos)
        if (auto a = io::detail::parse_numeric(info.host, info.port, info.family)) out.push_back(*a);
    if (out.empty())
        throw std::system_error(EAI_NONAME, gai_category(), "getaddrinfo(" + host + ") gave no usable address");
    co_return out;
}

// datagram_options with its own copy of the host names.
struct owned_options : datagram_options {
    std::string local, remote;
    explicit owned_options(const datagram_options& o) : datagram_options(o), local(o.local_host), remote(o.remote_host) {
        local_host = local;
        remote_host = remote;
    }
    owned_options(const owned_options&) = delete;
};

struct socket_guard {
    int fd = -1;
    ~socket_guard() {
        if (fd >= 0) ::close(fd);
    }
    int release() noexcept { return std::exchange(fd, -1); }
};

// A bound and/or connected socket, or -1 with `error` set.
int open_socket(const datagram_options& o, int family, const socket_address* local, const socket_address* remote,
                int& error) {
    socket_guard s{::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) {
        error = errno;
        return -1;
    }
    const int one = 1;
    if ((o.reuse_port && ::setsockopt(s.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
        (o.allow_broadcast && ::setsockopt(s.fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) ||
        (local && ::bind(s.fd, local->get(), local->length) < 0) ||
        (remote && ::connect(s.fd, remote->get(), remote->length) < 0)) {
        error = errno;
        return -1;
    }
    return s.release();
}

std::string describe(const owned_options& o) {
    std::string s = "create_datagram_endpoint(";
    if (!o.local.empty() || o.local_port) s += "local " + o.local + ":" + std::to_string(o.local_port);
    if (!o.remote.empty()) {
        if (s.back() != '(') s += ", ";
        s += "remote " + o.remote + ":" + std::to_string(o.remote_port);
    }
    return s + ")";
}

}  // namespace

class datagram_factory {
public:
    static coro<datagram_endpoint> open(std::unique_ptr<owned_options> options);
};

coro<datagram_endpoint> create_datagram_endpoint(const datagram_options& options) {
    return datagram_factory::open(std::make_unique<owned_options>(options));
}

coro<datagram_endpoint> datagram_factory::open(std::unique_ptr<owned_options> options) {
    const owned_options& o = *options;
    event_loop& loop = get_running_loop();
    if (o.family != 0 && o.family != AF_INET && o.family != AF_INET6)
        throw std::invalid_argument("create_datagram_endpoint: family must be AF_INET, AF_INET6 or 0");
    const bool bind_local = !o.local_host.empty() || o.local_port != 0;
    const bool connect_remote = !o.remote_host.empty();
    if (!connect_remote && o.remote_port != 0)
        throw std::invalid_argument("create_datagram_endpoint: remote_port given without remote_host");

    std::vector<socket_address> remotes;
    if (connect_remote) remotes = co_await resolve(o.remote, o.remote_port, o.family, false);

    int error = 0;
    int fd = -1;
    int family = AF_INET;
    auto try_family = [&](int fam, const socket_address* local, const socket_address* remote) {
        fd = open_socket(o, fam, local, remote, error);
        if (fd >= 0) family = fam;
        return fd >= 0;
    };
    if (connect_remote) {
        // Try each remote address, with a local address of the same family.
        for (const auto& remote : remotes) {
            if (!bind_local) {
                if (try_family(remote.family(), nullptr, &remote)) break;
                continue;
            }
            auto locals = co_await resolve(o.local, o.local_port, remote.family(), true);
            bool done = false;
            for (const auto& local : locals)
                if ((done = try_family(remote.family(), &local, &remote))) break;
            if (done) break;
        }
    } else if (bind_local) {
        auto locals = co_await resolve(o.local, o.local_port, o.family, true);
        for (const auto& local : locals)
            if (try_family(local.family(), &local, nullptr)) break;
    } else {
        try_family(o.family ? o.family : AF_INET, nullptr, nullptr);
    }
    if (fd < 0) io::detail::throw_errno(error, describe(o));
    co_return datagram_endpoint(std::make_unique<datagram_endpoint::impl>(loop, fd, family));
}

// --- datagram_endpoint ---------------------------------------------------------

datagram_endpoint::datagram_endpoint() noexcept = default;
datagram_endpoint::datagram_endpoint(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
datagram_endpoint::datagram_endpoint(datagram_endpoint&&) noexcept = default;
datagram_endpoint& datagram_endpoint::operator=(datagram_endpoint&&) noexcept = default;
datagram_endpoint::~datagram_endpoint() = default;

datagram_endpoint::impl& datagram_endpoint::checked() const {
    if (!impl_) throw std::system_error(EBADF, std::generic_category(), "empty datagram_endpoint");
    return *impl_;
}

namespace {
coro<void> send_to_host(datagram_endpoint::impl* self, std::string data, std::string host, std::uint16_t port) {
    self->check_usable();
    // Any family: an IPv6 socket reaches IPv4 peers through mapped addresses.
    auto to = co_await resolve(std::move(host), port, self->family() == AF_INET6 ? AF_UNSPEC : AF_INET, false);
    co_await self->send(std::move(data), io::detail::for_socket_family(to.front(), self->family()));
}
}  // namespace

coro<void> datagram_endpoint::sendto(std::string_view data, std::string host, std::uint16_t port) {
    impl& self = checked();
    // A numeric host needs no lookup: skip the extra coroutine.
    if (auto to = io::detail::parse_numeric(host, port))
        return self.send(std::string(data), io::detail::for_socket_family(*to, self.family()));
    if (host.empty()) throw std::invalid_argument("datagram_endpoint::sendto: empty host");
    return send_to_host(&self, std::string(data), std::move(host), port);
}

coro<void> datagram_endpoint::sendto(std::span<const std::byte> data, std::string host, std::uint16_t port) {
    return sendto(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), std::move(host), port);
}

coro<void> datagram_endpoint::send(std::string_view data) { return checked().send(std::string(data), std::nullopt); }

coro<void> datagram_endpoint::send(std::span<const std::byte> data) {
    return send(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

coro<datagram> datagram_endpoint::recvfrom() { return checked().recvfrom(); }

endpoint datagram_endpoint::local_endpoint() const {
    socket_address a;
    a.length = sizeof a.storage;
    if (::getsockname(checked().fd(), a.get(), &a.length) < 0) io::detail::throw_errno("getsockname");
    return io::detail::to_endpoint(a.get(), a.length);
}

endpoint datagram_endpoint::remote_endpoint() const {
    socket_address a;
    a.length = sizeof a.storage;
    if (::getpeername(checked().fd(), a.get(), &a.length) < 0) io::detail::throw_errno("getpeername");
    return io::detail::to_endpoint(a.get(), a.length);
}

void datagram_endpoint::close() noexcept {
    if (impl_) impl_->close();
}
bool datagram_endpoint::is_closing() const noexcept { return !impl_ || impl_->closed(); }
int datagram_endpoint::fileno() const noexcept { return impl_ ? impl_->fd() : -1; }

}  // namespace corio
