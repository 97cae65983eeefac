// corio/io/stream_writer.hpp: stream_writer, the writing half of a
// connection or pipe (asyncio.StreamWriter).
//
// write() never blocks: bytes go straight to the kernel when nothing is
// queued, the rest is buffered. drain() applies back-pressure: it waits while
// the buffer is over the high-water mark (64 KiB) until it falls to the
// low-water mark (16 KiB). A peer that has gone makes drain() raise
// std::system_error (EPIPE / ECONNRESET); write() then drops bytes silently,
// as asyncio does, and SIGPIPE never fires. close() flushes, then closes;
// abort() closes at once and drops unsent bytes (a reset for TCP).
// A stream_writer is a cheap copyable handle; the connection closes when the
// last reader/writer handle is dropped (after flushing what was written).
// Cancellation: drain() and wait_closed() are cancel-safe: a cancelled wait
// leaves the buffered bytes queued and the connection as it was.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "corio/coro.hpp"
#include "corio/io/endpoint.hpp"

namespace corio {

namespace detail {
class stream_transport;
}

class stream_writer {
public:
    explicit stream_writer(std::shared_ptr<detail::stream_transport> t) noexcept : t_(std::move(t)) {}

    // invalid_state_error after close() or write_eof().
    void write(std::string_view data);
    void write(std::span<const std::byte> data);
    template <class Range>
    void writelines(const Range& lines) {
        for (const auto& line : lines) write(std::string_view(line));
    }
    void writelines(std::initializer_list<std::string_view> lines) {
        for (std::string_view line : lines) write(line);
    }

    // Waits while the write buffer is over the high-water mark; raises the
    // connection's error (std::system_error) if it was lost. Cancel-safe: the
    // queued bytes stay queued and keep flowing.
    [[nodiscard]] coro<void> drain();

    // Half-close (shutdown(SHUT_WR)) once the buffer is flushed.
    void write_eof();
    bool can_write_eof() const noexcept;
    void close();
    bool is_closing() const noexcept;
    // Until the fd is really closed (close() flushes first). Cancel-safe: the
    // close goes on regardless.
    [[nodiscard]] coro<void> wait_closed();
    void abort();

    endpoint peername() const;
    endpoint sockname() const;
    int fd() const noexcept;

    std::size_t get_write_buffer_size() const noexcept;
    // asyncio's transport.set_write_buffer_limits: low defaults to high / 4.
    void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low = std::nullopt);

    const std::shared_ptr<detail::stream_transport>& transport() const noexcept { return t_; }

private:
    std::shared_ptr<detail::stream_transport> t_;
};

}  // namespace corio
