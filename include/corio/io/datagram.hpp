// corio/io/datagram.hpp: UDP endpoints (asyncio's create_datagram_endpoint,
// with awaitable sendto/recvfrom in place of a protocol's callbacks).
//
//   auto udp = co_await corio::create_datagram_endpoint({.local_host = "127.0.0.1", .local_port = 0});
//   co_await udp.sendto("ping", "127.0.0.1", peer_port);
//   auto [data, from] = co_await udp.recvfrom();
//
// Hosts may be numeric (IPv4 or IPv6) or names; names are resolved with
// corio::getaddrinfo, off the loop thread. With remote_host set, the socket
// is connected: send() goes there, and only its datagrams are received (and
// an ICMP "port unreachable" comes back as std::system_error
// ECONNREFUSED from the next recvfrom). OS errors are std::system_error.
// One task at a time may wait in recvfrom (std::runtime_error otherwise), as
// with asyncio's streams. The endpoint belongs to the loop that created it.
// Cancellation: recvfrom/sendto cancelled while waiting throw cancelled_error
// and consume or send nothing (no datagram is lost or half sent).
// close() wakes a task waiting on the endpoint with std::system_error (EBADF).
#pragma once

#include <sys/socket.h>  // AF_INET, AF_INET6

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "corio/coro.hpp"
#include "corio/io/endpoint.hpp"

namespace corio {

// Trivially copyable on purpose: g++ 12 miscompiles a braced temporary of a
// class with non-trivial members inside a co_await expression (it is copied
// bitwise and destroyed twice), and `co_await create_datagram_endpoint({...})`
// is the natural spelling. The hosts are copied when create_datagram_endpoint
// is called, so they may refer to temporaries.
struct datagram_options {
    std::string_view local_host{};  // bind here when local_host or local_port is set ("" = any address)
    std::uint16_t local_port = 0;
    std::string_view remote_host{};  // connect there when set
    std::uint16_t remote_port = 0;
    int family = 0;  // AF_INET, AF_INET6, or 0: from the addresses (AF_INET when there are none)
    bool reuse_port = false;
    bool allow_broadcast = false;
};

// One received datagram and its sender: `auto [data, from] = co_await udp.recvfrom();`
struct datagram {
    std::string data;
    endpoint from;
};

class datagram_endpoint {
public:
    datagram_endpoint() noexcept;
    datagram_endpoint(datagram_endpoint&&) noexcept;
    datagram_endpoint& operator=(datagram_endpoint&&) noexcept;
    ~datagram_endpoint();  // closes the socket

    // The data is copied when the call is made, so the arguments may be temporaries.
    coro<void> sendto(std::string_view data, std::string host, std::uint16_t port);
    coro<void> sendto(std::span<const std::byte> data, std::string host, std::uint16_t port);
    coro<void> sendto(std::string_view data, const endpoint& to) { return sendto(data, to.host, to.port); }
    // To the connected peer (remote_host); std::system_error (EDESTADDRREQ) when not connected.
    coro<void> send(std::string_view data);
    coro<void> send(std::span<const std::byte> data);

    coro<datagram> recvfrom();

    endpoint local_endpoint() const;
    endpoint remote_endpoint() const;  // std::system_error (ENOTCONN) when not connected
    void close() noexcept;
    bool is_closing() const noexcept;
    int fileno() const noexcept;  // -1 once closed

    class impl;

private:
    friend class datagram_factory;
    explicit datagram_endpoint(std::unique_ptr<impl> p) noexcept;
    impl& checked() const;

    std::unique_ptr<impl> impl_;
};

coro<datagram_endpoint> create_datagram_endpoint(const datagram_options& options = {});

}  // namespace corio
