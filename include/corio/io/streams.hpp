// corio/io/streams.hpp: open_connection, open_unix_connection and pipe
// streams (asyncio.open_connection, asyncio.open_unix_connection,
// loop.connect_read_pipe / connect_write_pipe).
//
//   auto [reader, writer] = co_await corio::open_connection("127.0.0.1", 8888);
//
// The host may be a name (resolved off the loop thread), an IPv4 or an IPv6
// address; each resolved address is tried in turn and the first error is
// raised if none connects (std::system_error, e.g. std::errc::connection_refused).
// TCP connections have TCP_NODELAY set, as asyncio does.
// Cancellation: a cancelled open_connection closes the half-made socket and
// throws cancelled_error; nothing leaks.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "corio/coro.hpp"
#include "corio/io/stream_reader.hpp"
#include "corio/io/stream_writer.hpp"

namespace corio {

// An aggregate so that later options (.tls) can be added without breaking
// `{.limit = n}`.
struct stream_options {
    std::size_t limit = stream_reader::default_limit;  // the reader's buffer limit
};

using stream_pair = std::pair<stream_reader, stream_writer>;

[[nodiscard]] coro<stream_pair> open_connection(std::string host, int port, stream_options options = {});
[[nodiscard]] coro<stream_pair> open_unix_connection(std::string path, stream_options options = {});

// Streams over a pipe end (or any non-blocking-capable fd that epoll accepts,
// such as a socket or a tty); they take ownership of `fd`. Subprocess pipes
// use these. std::system_error if the fd cannot be watched (a regular file).
stream_reader open_read_pipe(int fd, stream_options options = {});
stream_writer open_write_pipe(int fd);

namespace detail {
// Adopts a connected stream socket (non-blocking) as a reader/writer pair.
stream_pair make_socket_streams(int fd, std::size_t limit, endpoint peer, endpoint local);
}  // namespace detail

}  // namespace corio
