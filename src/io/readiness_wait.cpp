#include "corio/io/detail/readiness_wait.hpp"

#include "corio/loop.hpp"

namespace corio::detail {

void readiness_wait::await_suspend(std::coroutine_handle<> h) {
    reactor_ = &running_scheduler().loop().reactor();
    if (events_ & io::writable)
        reactor_->set_writer(fd_, this);
    else
        reactor_->set_reader(fd_, this);
    registered_ = true;
    park(h);
}

void readiness_wait::unregister() noexcept {
    if (!registered_) return;
    registered_ = false;
    try {
        if (events_ & io::writable)
            reactor_->set_writer(fd_, nullptr);
        else
            reactor_->set_reader(fd_, nullptr);
    } catch (...) {
        // Dropping interest only fails if the fd is already gone, and then
        // the reactor no longer refers to us.
    }
}

}  // namespace corio::detail
