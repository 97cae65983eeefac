#include "corio/io/detail/stream_transport.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <stdexcept>

#include "corio/debug/logger.hpp"
#include "corio/errors.hpp"
#include "corio/io/socket.hpp"
#include "corio/loop.hpp"

namespace corio::detail {

// Every fd-backed transport of a loop. Closing the loop force-closes those
// still open, so no transport outlives the reactor it is attached to, and
// frees those no handle refers to any more.
class stream_registry {
public:
    explicit stream_registry(event_loop&) noexcept {}
    stream_registry(const stream_registry&) = delete;
    stream_registry& operator=(const stream_registry&) = delete;
    ~stream_registry() {
        while (stream_transport* t = head_) {
            unlink(t);
            t->registry_ = nullptr;  // from now on the last handle frees it
            if (!t->closed_) t->finish_close(false);
            t->loop_ = nullptr;
            if (!t->user_alive_) delete t;
        }
    }
    void link(stream_transport* t) noexcept {
        t->next_ = head_;
        if (head_) head_->prev_ = t;
        head_ = t;
        t->registry_ = this;
    }
    void unlink(stream_transport* t) noexcept {
        (t->prev_ ? t->prev_->next_ : head_) = t->next_;
        if (t->next_) t->next_->prev_ = t->prev_;
        t->prev_ = t->next_ = nullptr;
    }

private:
    stream_transport* head_ = nullptr;
};

namespace {

// Writing to a pipe whose reader has gone raises SIGPIPE, and pipes have no
// MSG_NOSIGNAL: ignore the signal (as CPython does at startup) unless the
// program installed its own handler.
void ignore_sigpipe_once() {
    static const bool done = [] {
        struct sigaction old{};
        if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}

}  // namespace

std::shared_ptr<stream_transport> stream_transport::create(int fd, fd_kind kind, std::size_t limit, endpoint peer,
                                                           endpoint local) {
    if (limit == 0) {
        if (fd >= 0) ::close(fd);
        throw std::invalid_argument("stream limit must be positive");
    }
    auto* t = new stream_transport(fd, kind, limit);
    std::shared_ptr<stream_transport> handle(t, [](stream_transport* p) { p->release_by_user(); });
    t->peer_ = std::move(peer);
    t->local_ = std::move(local);
    if (kind == fd_kind::none) {
        t->fd_ = -1;
        t->readable_ = t->writable_ = false;
        return handle;
    }
    if (kind == fd_kind::pipe) ignore_sigpipe_once();
    event_loop& loop = get_running_loop();
    t->loop_ = &loop;
    try {
        loop.reactor().attach(fd, t);
    } catch (...) {
        t->finish_close(false);
        throw;
    }
    loop.extension<stream_registry>().link(t);
    return handle;
}

stream_transport::stream_transport(int fd, fd_kind kind, std::size_t limit) : fd_(fd), kind_(kind), limit_(limit) {}

stream_transport::~stream_transport() {
    if (fd_ >= 0) ::close(fd_);
}

void stream_transport::release_by_user() noexcept {
    user_alive_ = false;
    if (!registry_) {  // no fd, or the loop already closed it
        delete this;
        return;
    }
    if (closed_) {
        registry_->unlink(this);
        delete this;
        return;
    }
    if (!closing_) {
        try {
            if (loop_->get_debug())
                log("unclosed stream (fd " + std::to_string(fd_) + ", peer " + to_string(peer_) +
                    "): the last stream_reader/stream_writer was dropped without close()");
        } catch (...) {
        }
        close();  // flushes what was written, as asyncio's transport does
    }
}

// --- read side ----------------------------------------------------------------

void stream_transport::begin_read(const char* op) {
    if (reading_)
        throw invalid_state_error(std::string(op) + "() called while another coroutine is already waiting for incoming data");
    reading_ = true;
}

bool stream_transport::try_fill() {
    if (!readable_ || fd_ < 0 || eof_ || closing_) return false;
    for (;;) {
        const std::size_t want = std::max(next_read_, std::size_t{1024});
        char* p = rbuf_.prepare(want);
        const std::size_t room = rbuf_.free_tail();
        const ssize_t n = kind_ == fd_kind::socket ? ::recv(fd_, p, room, 0) : ::read(fd_, p, room);
        if (n > 0) {
            rbuf_.commit(static_cast<std::size_t>(n));
            if (static_cast<std::size_t>(n) == room) {
                next_read_ = std::min(room * 2, std::max(limit_, std::size_t{64 * 1024}));
            } else if (!hup_) {
                // A short read emptied the receive queue: new data brings a new
                // edge. After a hang-up no edge may come, so keep trying.
                readable_ = false;
            }
            return true;
        }
        if (n == 0) {
            eof_ = true;
            return true;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            readable_ = false;
            return false;
        }
        fail(errno);
        return true;
    }
}

void stream_transport::feed_data(const char* p, std::size_t n) {
    if (eof_) throw invalid_state_error("feed_data() after feed_eof()");
    rbuf_.append(p, n);
    readers_.wake_all();
}

void stream_transport::feed_eof() noexcept {
    eof_ = true;
    readers_.wake_all();
}

// --- write side ---------------------------------------------------------------

void stream_transport::write(const char* p, std::size_t n) {
    if (eof_pending_ || eof_sent_) throw invalid_state_error("stream_writer.write() after write_eof()");
    if (user_closed_) throw invalid_state_error("stream_writer.write() after close()");
    if (kind_ == fd_kind::none) throw invalid_state_error("stream_writer.write(): no connection");
    if (write_errno_ || closed_ || n == 0) return;  // connection lost: drain() reports it
    if (wbuf_.empty() && writable_) {
        for (;;) {
            const ssize_t r =
                kind_ == fd_kind::socket ? ::send(fd_, p, n, MSG_NOSIGNAL) : ::write(fd_, p, n);
            if (r >= 0) {
                if (static_cast<std::size_t>(r) == n) return;
                p += r;
                n -= static_cast<std::size_t>(r);
                writable_ = false;  // the kernel buffer is full: wait for the edge
                break;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                writable_ = false;
                break;
            }
            fail(errno);
            return;
        }
    }
    wbuf_.append(p, n);
    if (wbuf_.size() > high_) paused_ = true;
}

void stream_transport::set_write_buffer_limits(std::size_t high, std::size_t low) {
    if (low > high) throw std::invalid_argument("set_write_buffer_limits: low must not exceed high");
    high_ = high;
    low_ = low;
    if (wbuf_.size() > high_) paused_ = true;
    after_flush();
}

void stream_transport::flush() noexcept {
    while (!wbuf_.empty() && writable_ && fd_ >= 0) {
        const ssize_t r = kind_ == fd_kind::socket ? ::send(fd_, wbuf_.data(), wbuf_.size(), MSG_NOSIGNAL)
                                                   : ::write(fd_, wbuf_.data(), wbuf_.size());
        if (r >= 0) {
            wbuf_.consume(static_cast<std::size_t>(r));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            writable_ = false;
            break;
        }
        fail(errno);
        return;
    }
    after_flush();
}

// What an emptier write buffer unlocks: drain() waiters, a pending write_eof
// or close.
void stream_transport::after_flush() noexcept {
    if (paused_ && wbuf_.size() <= low_) {
        paused_ = false;
        drainers_.wake_all();
    }
    if (!wbuf_.empty() || closed_) return;
    if (eof_pending_ && !eof_sent_) {
        eof_pending_ = false;
        eof_sent_ = true;
        if (kind_ == fd_kind::socket) {
            ::shutdown(fd_, SHUT_WR);
        } else if (!closing_) {
            finish_close(false);  // a pipe's write end has no half-close
            return;
        }
    }
    if (closing_) finish_close(false);
}

void stream_transport::write_eof() {
    if (closing_ || closed_ || eof_pending_ || eof_sent_) return;
    eof_pending_ = true;
    after_flush();
}

// --- lifecycle ----------------------------------------------------------------

void stream_transport::on_io(std::uint32_t events) {
    if (events & io::hangup) hup_ = true;
    if (events & io::readable) {
        readable_ = true;
        readers_.wake_all();
    }
    if (events & io::writable) {
        writable_ = true;
        if (!wbuf_.empty()) flush();
    }
}

void stream_transport::fail(int err) noexcept {
    if (!read_errno_) read_errno_ = err;
    if (!write_errno_) write_errno_ = err;
    wbuf_.clear();
    finish_close(false);
}

void stream_transport::close() noexcept {
    user_closed_ = true;
    if (closing_ || closed_) return;
    closing_ = true;
    // Reading stops now; what is already buffered can still be read, then EOF.
    eof_ = true;
    readers_.wake_all();
    if (wbuf_.empty() || write_errno_) finish_close(false);
}

void stream_transport::abort() noexcept {
    user_closed_ = true;
    if (closed_) return;
    closing_ = true;
    wbuf_.clear();
    finish_close(true);
}

void stream_transport::finish_close(bool reset) noexcept {
    if (closed_) return;
    closed_ = true;
    closing_ = true;
    eof_ = true;
    if (fd_ >= 0) {
        if (loop_) loop_->reactor().forget(fd_);
        if (reset && kind_ == fd_kind::socket) {
            const linger lg{1, 0};  // close() then sends RST and drops the queue
            ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        ::close(fd_);
        fd_ = -1;
    }
    wbuf_.release();
    paused_ = false;
    readers_.wake_all();
    drainers_.wake_all();
    closers_.wake_all();
    if (!user_alive_) schedule_free();
}

// A transport no handle refers to is freed once closed: from the loop (this
// may run inside the reactor's dispatch), or at once while the loop closes.
// Without a registry the loop has closed and the registry frees orphans.
void stream_transport::schedule_free() noexcept {
    if (!registry_) return;
    if (loop_ && !loop_->is_closed()) {
        try {
            loop_->call_soon([this] {
                if (registry_) registry_->unlink(this);
                delete this;
            });
        } catch (...) {
            // Out of memory: the registry frees it when the loop closes.
        }
        return;
    }
    registry_->unlink(this);
    delete this;
}

}  // namespace corio::detail
