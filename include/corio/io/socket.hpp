// corio/io/socket.hpp: socket (an owned, non-blocking socket fd) and
// socket_address (a sockaddr of any family).
//
// The building blocks under streams, servers and datagrams, and what
// loop.sock_accept() hands back. asyncio counterpart: socket.socket with
// setblocking(False). Nothing here awaits: the waiting operations are
// loop.sock_recv / sock_sendall / sock_connect / sock_accept (loop.hpp).
// Failures are std::system_error with the errno.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "corio/io/endpoint.hpp"

namespace corio {

// "127.0.0.1:8080", "[::1]:8080", or the path of a Unix socket.
std::string to_string(const endpoint& e);

// A sockaddr_storage with its length.
class socket_address {
public:
    socket_address() = default;
    // A numeric IPv4 or IPv6 address ("127.0.0.1", "::1", "fe80::1%eth0");
    // std::invalid_argument for anything else (resolve names first).
    static socket_address ip(std::string_view host, std::uint16_t port);
    static socket_address ip(const endpoint& e) { return ip(e.host, e.port); }
    // A Unix socket path (a leading '\0' names the abstract namespace).
    static socket_address unix_path(std::string_view path);
    static socket_address from(const sockaddr* sa, socklen_t len);
    // True for a numeric IPv4/IPv6 address.
    static bool is_numeric_host(std::string_view host) noexcept;

    int family() const noexcept { return storage_.ss_family; }
    const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
    sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
    socklen_t size() const noexcept { return len_; }
    socklen_t& size_ref() noexcept { return len_; }
    std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;
    endpoint to_endpoint() const;

private:
    sockaddr_storage storage_{};
    socklen_t len_ = sizeof(sockaddr_storage);
};

// A move-only owner of a socket fd, created non-blocking and close-on-exec.
class socket {
public:
    socket() = default;
    // A new socket, e.g. socket(AF_INET, SOCK_STREAM).
    socket(int family, int type, int protocol = 0);
    // Adopts `fd` (made non-blocking).
    static socket adopt(int fd);
    socket(socket&& o) noexcept : fd_(o.release()) {}
    socket& operator=(socket&& o) noexcept;
    ~socket() { close(); }

    int fd() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept;
    void close() noexcept;

    void set_option(int level, int name, int value);
    void bind(const socket_address& a);
    void listen(int backlog);
    socket_address local_address() const;
    socket_address peer_address() const;
    int family() const;

private:
    int fd_ = -1;
};

namespace detail {
// errno as the std::system_error that corio throws for OS failures.
[[noreturn]] void throw_errno(int err, const char* what);
void set_nonblocking(int fd);
}  // namespace detail

}  // namespace corio
