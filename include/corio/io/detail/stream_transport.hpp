// stream_transport: the one object behind a stream_reader / stream_writer
// pair (asyncio's _SelectorSocketTransport + StreamReaderProtocol fused).
//
// It owns a non-blocking fd (a socket, or a pipe for subprocesses), is
// attached edge-triggered to the reactor, and caches readiness: reads go
// straight into the reader's buffer, writes go straight to send() while
// nothing is queued, and a direction is marked "not ready" only when the
// kernel says EAGAIN (or a short read proves the queue empty). Parking costs
// no syscall; an edge marks the direction ready again, wakes the parked
// reader, or flushes queued output from the reactor's dispatch (kernel calls
// only, never user code).
//
// Lifetime: handles (stream_reader / stream_writer) share a std::shared_ptr
// whose deleter is release_by_user(), not delete. When the last handle goes,
// an open transport flushes what was written and then closes (as asyncio's
// transport outlives a dropped StreamWriter); it is then freed. Transports
// with an fd are also listed in a per-loop registry that force-closes them
// when the loop closes, so none outlives its loop's reactor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "corio/io/detail/byte_buffer.hpp"
#include "corio/io/detail/stream_wait.hpp"
#include "corio/io/endpoint.hpp"
#include "corio/io/reactor.hpp"

namespace corio {
class event_loop;
}

namespace corio::detail {

class stream_registry;

enum class fd_kind : std::uint8_t { none, socket, pipe };

class stream_transport final : public io::io_watcher {
public:
    static constexpr std::size_t default_limit = 64 * 1024;
    static constexpr std::size_t default_high_water = 64 * 1024;

    // Takes ownership of `fd` (already non-blocking). fd_kind::none makes a
    // reader fed by hand (feed_data / feed_eof), with no fd and no loop.
    static std::shared_ptr<stream_transport> create(int fd, fd_kind kind, std::size_t limit, endpoint peer = {},
                                                    endpoint local = {});

    // --- read side ---------------------------------------------------------
    // One recv() into the buffer if the fd may be readable. True if the state
    // changed (bytes arrived, EOF, or an error was recorded); false means
    // "park on readers() and retry".
    bool try_fill();
    // Marks a read operation as running (asyncio refuses two concurrent
    // readers: invalid_state_error).
    void begin_read(const char* op);
    void end_read() noexcept { reading_ = false; }
    void feed_data(const char* p, std::size_t n);
    void feed_eof() noexcept;

    byte_buffer& rbuf() noexcept { return rbuf_; }
    stream_wait_list& readers() noexcept { return readers_; }
    bool eof() const noexcept { return eof_; }
    int read_error() const noexcept { return read_errno_; }
    std::size_t limit() const noexcept { return limit_; }

    // --- write side --------------------------------------------------------
    void write(const char* p, std::size_t n);
    std::size_t write_buffer_size() const noexcept { return wbuf_.size(); }
    void set_write_buffer_limits(std::size_t high, std::size_t low);
    std::size_t high_water() const noexcept { return high_; }
    std::size_t low_water() const noexcept { return low_; }
    bool write_paused() const noexcept { return paused_; }
    stream_wait_list& drainers() noexcept { return drainers_; }
    int write_error() const noexcept { return write_errno_; }
    void write_eof();
    bool can_write_eof() const noexcept { return kind_ == fd_kind::socket; }

    // --- both --------------------------------------------------------------
    void close() noexcept;  // graceful: stop reading, flush, then close the fd
    void abort() noexcept;  // at once, dropping unsent bytes (a TCP reset)
    bool is_closing() const noexcept { return closing_ || closed_; }
    bool closed() const noexcept { return closed_; }
    stream_wait_list& closers() noexcept { return closers_; }
    int fd() const noexcept { return fd_; }
    fd_kind kind() const noexcept { return kind_; }
    const endpoint& peername() const noexcept { return peer_; }
    const endpoint& sockname() const noexcept { return local_; }

    void on_io(std::uint32_t events) override;

private:
    friend class stream_registry;
    stream_transport(int fd, fd_kind kind, std::size_t limit);
    ~stream_transport();
    void release_by_user() noexcept;
    void flush() noexcept;
    void after_flush() noexcept;
    void fail(int err) noexcept;
    void finish_close(bool reset) noexcept;
    void schedule_free() noexcept;

    int fd_;
    fd_kind kind_;
    bool readable_ = true;  // cached readiness: try the syscall
    bool writable_ = true;
    bool hup_ = false;      // peer hung up: a short read no longer proves "drained"
    bool eof_ = false;
    bool reading_ = false;
    bool paused_ = false;   // over the high-water mark until back under the low one
    bool eof_pending_ = false;
    bool eof_sent_ = false;
    bool closing_ = false;
    bool closed_ = false;
    bool user_closed_ = false;  // close() or abort() was called
    bool user_alive_ = true;
    int read_errno_ = 0;
    int write_errno_ = 0;
    std::size_t limit_;
    std::size_t next_read_ = 4096;  // grows while reads fill the buffer
    std::size_t high_ = default_high_water;
    std::size_t low_ = default_high_water / 4;
    byte_buffer rbuf_;
    byte_buffer wbuf_;
    stream_wait_list readers_;
    stream_wait_list drainers_;
    stream_wait_list closers_;
    endpoint peer_;
    endpoint local_;
    event_loop* loop_ = nullptr;
    stream_registry* registry_ = nullptr;
    stream_transport* prev_ = nullptr;  // registry list
    stream_transport* next_ = nullptr;
};

}  // namespace corio::detail
