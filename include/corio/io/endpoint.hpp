// corio/io/endpoint.hpp: endpoint, a socket address as a host string and a
// port (what asyncio's transports return from get_extra_info("peername"):
// a ("127.0.0.1", 8888) tuple).
//
// `host` is numeric ("127.0.0.1", "::1"), or a path for Unix sockets (port 0).
// Not an awaitable: nothing to cancel.
#pragma once

#include <cstdint>
#include <string>

namespace corio {

struct endpoint {
    std::string host;
    std::uint16_t port = 0;

    friend bool operator==(const endpoint&, const endpoint&) = default;
};

}  // namespace corio
