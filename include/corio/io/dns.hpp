// corio/io/dns.hpp: co_await getaddrinfo(host, port) (asyncio's
// loop.getaddrinfo), name resolution that does not block the loop.
//
// The blocking ::getaddrinfo runs on another thread; the task resumes on its
// loop with the results in the resolver's order. As in asyncio, family, type,
// protocol and flags default to 0, so a name yields one entry per address and
// socket type; pass {.type = SOCK_STREAM} for one per address. Each result is
// an endpoint ({host, port}, numeric host) plus the socket parameters.
// Failures throw std::system_error in gai_category() (EAI_NONAME, ...) with
// gai_strerror's message and the host name.
// Cancellation: the task resumes at once with cancelled_error; the lookup
// finishes in the background and its result is dropped.
#pragma once

#include <netdb.h>       // AI_* flags, EAI_* codes
#include <sys/socket.h>  // AF_*, SOCK_*

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "corio/coro.hpp"
#include "corio/io/endpoint.hpp"

namespace corio {

// One answer: where to connect (endpoint's host and port) and with what socket.
struct address_info : endpoint {
    int family = 0;    // AF_INET, AF_INET6
    int socktype = 0;  // SOCK_STREAM, SOCK_DGRAM, SOCK_RAW
    int protocol = 0;
    std::string canonname;  // with .flags = AI_CANONNAME, on the first entry
};

struct getaddrinfo_options {
    int family = 0;  // AF_UNSPEC
    int type = 0;
    int proto = 0;
    int flags = 0;  // AI_* flags
};

// The error category of getaddrinfo's EAI_* codes (EAI_SYSTEM is reported as
// the errno in std::generic_category() instead).
const std::error_category& gai_category() noexcept;

// An empty host means "no host" (None in Python): the loopback address, or
// the wildcard with AI_PASSIVE.
coro<std::vector<address_info>> getaddrinfo(std::string host, std::uint16_t port = 0, getaddrinfo_options options = {});

}  // namespace corio
