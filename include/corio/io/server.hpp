// corio/io/server.hpp: start_server / start_unix_server and server
// (asyncio.start_server, asyncio.start_unix_server, asyncio.Server).
//
//   auto srv = co_await corio::start_server(handle_client, "127.0.0.1", 0);
//   co_await srv.serve_forever();
//
// Each accepted connection runs handle_client(stream_reader, stream_writer)
// (any callable returning coro<void>) as its own task; an exception escaping
// it goes to the loop's exception handler and closes that connection, never
// the server. The host may be a name, IPv4 or IPv6; an empty host listens on
// every interface (0.0.0.0 and ::). With port 0 every listening socket shares
// the port picked for the first. When accept() runs out of file descriptors
// (EMFILE, ENFILE, ENOBUFS) the server reports it to the exception handler
// and stops accepting for accept_retry_delay (1 s, loop time), as asyncio.
// close() stops listening at once; connections already accepted keep running
// (asyncio's semantics; close_clients() / abort_clients() end them too).
// Cancellation: cancelling serve_forever() closes the server and rethrows;
// cancelling wait_closed() or start_server() leaves nothing behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "corio/coro.hpp"
#include "corio/io/endpoint.hpp"
#include "corio/io/stream_reader.hpp"
#include "corio/io/stream_writer.hpp"

namespace corio {

namespace detail {
class server_state;
}

using client_connected_cb = std::function<coro<void>(stream_reader, stream_writer)>;

// An aggregate so that later options (.tls) can be added.
struct server_options {
    int backlog = 100;
    bool reuse_port = false;
    bool reuse_address = true;
    std::size_t limit = stream_reader::default_limit;  // each reader's buffer limit
    bool start_serving = true;
    std::chrono::milliseconds accept_retry_delay{1000};  // pause after EMFILE & co
};

class server {
public:
    explicit server(std::shared_ptr<detail::server_state> s) noexcept : s_(std::move(s)) {}

    // The port of the first listening socket (0 once closed).
    std::uint16_t port() const;
    // The listening addresses (empty once closed), like asyncio's Server.sockets.
    std::vector<endpoint> sockets() const;
    bool is_serving() const noexcept;
    // Connections accepted and not closed yet.
    std::size_t active_connections() const noexcept;

    // Starts accepting (when created with start_serving = false); never suspends.
    [[nodiscard]] coro<void> start_serving();
    // Serves until close(); returns then. Cancelled: closes the server and
    // rethrows cancelled_error (asyncio's serve_forever).
    [[nodiscard]] coro<void> serve_forever();
    // Stops listening (the sockets are closed now); accepted connections stay.
    void close();
    // Returns once close() was called and the accept loops have finished.
    // Cancelled: the server is unaffected.
    [[nodiscard]] coro<void> wait_closed();
    // Closes every accepted connection (after flushing) / resets them.
    void close_clients();
    void abort_clients();

private:
    std::shared_ptr<detail::server_state> s_;
};

// Cancelled (while resolving the host): no socket is left open.
[[nodiscard]] coro<server> start_server(client_connected_cb cb, std::string host, int port,
                                        server_options options = {});
// Removes a stale socket file at `path` first, and the file again on close().
[[nodiscard]] coro<server> start_unix_server(client_connected_cb cb, std::string path, server_options options = {});

}  // namespace corio
