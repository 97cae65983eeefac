// corio/io/stream_reader.hpp: stream_reader, the reading half of a
// connection or pipe (asyncio.StreamReader).
//
// Bytes arrive as std::string. read(n) returns up to n bytes ("" at EOF) and
// read() reads to EOF; readline, readuntil(sep) and readexactly(n) wait for
// what they need. The buffer never holds more than about `limit` (64 KiB by
// default) beyond what a pending read asked for: readline / readuntil past
// it raise limit_overrun_error. After a connection error, bytes already
// received are returned first, then the std::system_error is raised.
// A stream_reader is a cheap copyable handle; the connection closes when the
// last reader/writer handle is dropped (after flushing what was written).
// Every read is a coro, so it composes with wait_for, gather and create_task.
// Cancellation: every read is cancel-safe: a cancelled read consumes nothing,
// and bytes already received stay buffered for the next read.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "corio/coro.hpp"

namespace corio {

namespace detail {
class stream_transport;
}

class stream_reader {
public:
    static constexpr std::size_t default_limit = 64 * 1024;

    // A reader fed by hand with feed_data / feed_eof (asyncio.StreamReader()).
    explicit stream_reader(std::size_t limit = default_limit);
    explicit stream_reader(std::shared_ptr<detail::stream_transport> t) noexcept : t_(std::move(t)) {}

    // Up to n bytes, waiting for at least one; "" at EOF (and for n == 0).
    // n < 0 reads until EOF.
    // Cancel-safe: bytes already received stay buffered.
    [[nodiscard]] coro<std::string> read(std::ptrdiff_t n = -1);
    // One line including its "\n"; at EOF the last unterminated bytes, then "".
    // A line longer than the limit raises limit_overrun_error and is dropped
    // (as far as it was received), as asyncio does.
    // Cancel-safe: a partial line stays buffered for the next read.
    [[nodiscard]] coro<std::string> readline();
    // Exactly n bytes; incomplete_read_error (with partial()) if EOF comes first.
    // Cancel-safe: the bytes gathered so far stay buffered.
    [[nodiscard]] coro<std::string> readexactly(std::ptrdiff_t n);
    // Up to and including `separator`. incomplete_read_error at EOF;
    // limit_overrun_error if the separator is not within the limit (the data
    // then stays in the buffer). Cancel-safe: nothing is consumed.
    [[nodiscard]] coro<std::string> readuntil(std::string_view separator = "\n");

    // EOF was received and the buffer is empty.
    bool at_eof() const noexcept;
    std::size_t limit() const noexcept;

    void feed_data(std::string_view data);
    void feed_eof();

    const std::shared_ptr<detail::stream_transport>& transport() const noexcept { return t_; }

private:
    std::shared_ptr<detail::stream_transport> t_;
};

}  // namespace corio
