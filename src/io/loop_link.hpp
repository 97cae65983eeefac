// Internal: a handle on an event loop that turns null when the loop closes.
//
// I/O objects (a datagram endpoint) can outlive the loop that made them,
// e.g. when returned out of corio::run(); they must then leave the reactor
// alone. They hold a loop_link; the loop clears it in close(). Loop thread
// only.
#pragma once

#include <memory>

#include "corio/loop.hpp"

namespace corio::io::detail {

struct loop_link {
    event_loop* loop;
    explicit loop_link(event_loop* l) noexcept : loop(l) {}
};

// The loop's extension that clears the link when the loop closes.
class loop_link_anchor {
public:
    explicit loop_link_anchor(event_loop& loop) : link_(std::make_shared<loop_link>(&loop)) {}
    ~loop_link_anchor() { link_->loop = nullptr; }
    loop_link_anchor(const loop_link_anchor&) = delete;
    loop_link_anchor& operator=(const loop_link_anchor&) = delete;
    const std::shared_ptr<loop_link>& link() const noexcept { return link_; }

private:
    std::shared_ptr<loop_link> link_;
};

inline std::shared_ptr<loop_link> link_to(event_loop& loop) { return loop.extension<loop_link_anchor>().link(); }

}  // namespace corio::io::detail
