// Internal: a handle on an event loop that turns null when the loop closes.
//
// I/O objects (a datagram endpoint, a subprocess) can outlive the loop that
// made them, e.g. when returned out of corio::run(); they must then leave the
// reactor alone. Threads working for the loop (DNS lookups) must not post to
// a loop that is gone. Both hold a loop_link: the loop thread reads it freely
// (only the loop thread clears it, in close()); other threads lock `mutex`.
#pragma once

#include <memory>
#include <mutex>

#include "corio/loop.hpp"

namespace corio::io::detail {

struct loop_link {
    std::mutex mutex;
    event_loop* loop;
    explicit loop_link(event_loop* l) noexcept : loop(l) {}

    // From another thread: runs fn on the loop if it is still open; false otherwise.
    template <class F>
    bool post(F&& fn) {
        std::lock_guard lock(mutex);
        if (!loop) return false;
        try {
            loop->call_soon_threadsafe(std::forward<F>(fn));
            return true;
        } catch (const std::runtime_error&) {
            return false;  // closing: the queue no longer accepts work
        }
    }
};

// The loop's extension that clears the link when the loop closes.
class loop_link_anchor {
public:
    explicit loop_link_anchor(event_loop& loop) : link_(std::make_shared<loop_link>(&loop)) {}
    ~loop_link_anchor() {
        std::lock_guard lock(link_->mutex);
        link_->loop = nullptr;
    }
    loop_link_anchor(const loop_link_anchor&) = delete;
    loop_link_anchor& operator=(const loop_link_anchor&) = delete;
    const std::shared_ptr<loop_link>& link() const noexcept { return link_; }

private:
    std::shared_ptr<loop_link> link_;
};

inline std::shared_ptr<loop_link> link_to(event_loop& loop) { return loop.extension<loop_link_anchor>().link(); }

}  // namespace corio::io::detail
