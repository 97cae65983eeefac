#include "corio/io/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace corio {

namespace detail {

void throw_errno(int err, const char* what) { throw std::system_error(err, std::generic_category(), what); }

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) throw_errno(errno, "fcntl(F_GETFL)");
    if (!(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw_errno(errno, "fcntl(F_SETFL)");
}

}  // namespace detail

// --- endpoint ----------------------------------------------------------------

std::string to_string(const endpoint& e) {
    if (e.port == 0 && !e.host.empty() && (e.host[0] == '/' || e.host[0] == '\0')) return e.host;
    if (e.host.find(':') != std::string::npos) return "[" + e.host + "]:" + std::to_string(e.port);
    return e.host + ":" + std::to_string(e.port);
}

// --- socket_address ----------------------------------------------------------

bool socket_address::is_numeric_host(std::string_view host) noexcept {
    try {
        (void)ip(host, 0);
        return true;
    } catch (...) {
        return false;
    }
}

socket_address socket_address::ip(std::string_view host, std::uint16_t port) {
    socket_address a;
    std::string h(host);
    if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
    if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.len_ = sizeof(sockaddr_in);
        return a;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    std::string scope;
    if (auto pct = h.find('%'); pct != std::string::npos) {
        scope = h.substr(pct + 1);
        h.resize(pct);
    }
    if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        if (!scope.empty()) {
            v6->sin6_scope_id = ::if_nametoindex(scope.c_str());
            if (v6->sin6_scope_id == 0) throw std::invalid_argument("unknown IPv6 scope: " + scope);
        }
        a.len_ = sizeof(sockaddr_in6);
        return a;
    }
    throw std::invalid_argument("not a numeric IP address: '" + std::string(host) + "'");
}

socket_address socket_address::unix_path(std::string_view path) {
    socket_address a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
    if (path.empty() || path.size() >= sizeof(un->sun_path))
        throw std::invalid_argument("Unix socket path is empty or too long: '" + std::string(path) + "'");
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, path.data(), path.size());
    // Abstract names are exactly as long as given; paths end with their NUL.
    a.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '\0' ? 0 : 1));
    return a;
}

socket_address socket_address::from(const sockaddr* sa, socklen_t len) {
    socket_address a;
    if (len > sizeof(a.storage_)) len = sizeof(a.storage_);
    std::memcpy(&a.storage_, sa, len);
    a.len_ = len;
    return a;
}

std::uint16_t socket_address::port() const noexcept {
    switch (storage_.ss_family) {
        case AF_INET: return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
        case AF_INET6: return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
        default: return 0;
    }
}

void socket_address::set_port(std::uint16_t port) noexcept {
    if (storage_.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
    if (storage_.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

endpoint socket_address::to_endpoint() const {
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
    switch (storage_.ss_family) {
        case AF_INET:
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
            return {buf, port()};
        case AF_INET6: {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
            ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
            std::string host = buf;
            char ifname[IF_NAMESIZE] = {};
            if (v6->sin6_scope_id && ::if_indextoname(v6->sin6_scope_id, ifname)) host += std::string("%") + ifname;
            return {host, port()};
        }
        case AF_UNIX: {
            const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
            const std::size_t off = offsetof(sockaddr_un, sun_path);
            if (len_ <= off) return {"", 0};  // unnamed
            std::size_t n = len_ - off;
            if (un->sun_path[0] != '\0') n = ::strnlen(un->sun_path, n);
            return {std::string(un->sun_path, n), 0};
        }
        default: return {"", 0};
    }
}

// --- socket ------------------------------------------------------------------

socket::socket(int family, int type, int protocol) {
    fd_ = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd_ < 0) detail::throw_errno(errno, "socket");
}

socket socket::adopt(int fd) {
    if (fd < 0) throw std::invalid_argument("socket::adopt: invalid fd");
    socket s;
    s.fd_ = fd;
    detail::set_nonblocking(fd);
    return s;
}

socket& socket::operator=(socket&& o) noexcept {
    if (this != &o) {
        close();
        fd_ = o.release();
    }
    return *this;
}

int socket::release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void socket::close() noexcept {
    if (fd_ >= 0) ::close(release());
}

void socket::set_option(int level, int name, int value) {
    if (::setsockopt(fd_, level, name, &value, sizeof value) < 0) detail::throw_errno(errno, "setsockopt");
}

void socket::bind(const socket_address& a) {
    if (::bind(fd_, a.data(), a.size()) < 0) detail::throw_errno(errno, "bind");
}

void socket::listen(int backlog) {
    if (::listen(fd_, backlog) < 0) detail::throw_errno(errno, "listen");
}

socket_address socket::local_address() const {
    socket_address a;
    if (::getsockname(fd_, a.data(), &a.size_ref()) < 0) detail::throw_errno(errno, "getsockname");
    return a;
}

socket_address socket::peer_address() const {
    socket_address a;
    if (::getpeername(fd_, a.data(), &a.size_ref()) < 0) detail::throw_errno(errno, "getpeername");
    return a;
}

int socket::family() const {
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(fd_, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0) detail::throw_errno(errno, "getsockopt");
    return v;
}

}  // namespace corio
