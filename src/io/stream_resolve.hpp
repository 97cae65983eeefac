// Internal: turning (host, port) into the socket addresses to connect to or
// bind, for streams and servers.
#pragma once

#include <string>
#include <vector>

#include "corio/coro.hpp"
#include "corio/io/socket.hpp"

namespace corio::detail {

// A port number checked to be in 0..65535 (std::invalid_argument otherwise).
std::uint16_t checked_port(int port);

// Numeric hosts and "localhost" are answered at once; other names go through
// corio::getaddrinfo (off the loop thread). `passive` (servers): an empty
// host means every interface (0.0.0.0 and ::). Never empty: errors throw.
coro<std::vector<socket_address>> resolve_stream_host(std::string host, std::uint16_t port, bool passive);

// Non-blocking connect of `fd` to `a`, waiting for completion; throws the
// std::system_error of a failed connection.
coro<void> connect_socket(int fd, socket_address a);

}  // namespace corio::detail
