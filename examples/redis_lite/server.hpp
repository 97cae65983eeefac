// redis_lite's server: a RESP (redis protocol) server on corio::start_server,
// one task per client, the keyspace shared by all of them on the loop thread
// (no locks: asyncio's model), and a periodic task that sweeps expired keys.
//
//   auto srv = co_await redis_lite::instance::start({.port = 0});
//   std::printf("PORT %u\n", srv.port());
//   co_await srv.serve_forever();   // until srv.close()
//
// Pipelining: every complete command in what one read returned is run, the
// replies go out in one write, and the client is drained once per batch.
// Bounded: a request is limited by `limits` (bulk length, argument count,
// header size) and a client's unparsed input by max_query_buffer; past them
// the client gets a protocol error and is disconnected, as redis does.
// Replies are flushed and drained every flush_bytes, so a client that does
// not read cannot make the server buffer without bound.
// Cancellation: cancelling serve_forever() closes the server and its clients.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <corio/coro.hpp>

#include "keyspace.hpp"
#include "resp_parser.hpp"

namespace redis_lite {

struct options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0 picks a free port
    parse_limits limits = {};
    std::size_t max_query_buffer = std::size_t{1} << 30;  // redis's client-query-buffer-limit
    std::size_t read_size = 64 * 1024;
    std::size_t flush_bytes = 64 * 1024;
    std::chrono::milliseconds sweep_interval{100};  // redis's hz 10
    std::size_t sweep_budget = 4096;                 // slots examined per sweep
};

struct server_state;

class instance {
public:
    // Listens on options.host:options.port and starts the sweeper.
    [[nodiscard]] static corio::coro<instance> start(options opts);

    std::uint16_t port() const;
    // Serves until close(); returns then.
    [[nodiscard]] corio::coro<void> serve_forever();
    // Stops listening, disconnects the clients and stops the sweeper.
    void close();

    keyspace& keys() noexcept;

private:
    explicit instance(std::shared_ptr<server_state> s) noexcept : s_(std::move(s)) {}
    std::shared_ptr<server_state> s_;
};

}  // namespace redis_lite
