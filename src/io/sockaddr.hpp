// Internal: conversions between corio::endpoint and the sockets API.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>

#include "corio/io/endpoint.hpp"

namespace corio::io::detail {

struct socket_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
    int family() const noexcept { return storage.ss_family; }
};

// A numeric IPv4 or IPv6 host ("127.0.0.1", "::1", "fe80::1%lo"), without
// any name lookup; nullopt for a name. `family` (AF_UNSPEC, AF_INET,
// AF_INET6) restricts what is accepted.
std::optional<socket_address> parse_numeric(const std::string& host, std::uint16_t port, int family = AF_UNSPEC);

// An IPv4 address for an IPv6 socket becomes ::ffff:a.b.c.d; others are unchanged.
socket_address for_socket_family(const socket_address& a, int socket_family);

// "127.0.0.1":port, "::1":port, or a Unix socket's path with port 0.
endpoint to_endpoint(const sockaddr* sa, socklen_t length);

[[noreturn]] void throw_errno(const char* what);
[[noreturn]] void throw_errno(int err, const std::string& what);

}  // namespace corio::io::detail
