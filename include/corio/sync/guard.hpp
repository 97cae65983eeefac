// corio/sync/guard.hpp: release_guard<L>, what `co_await x.scoped()` returns
// for a lock, semaphore or condition (asyncio's `async with lock:`).
//
// The guard owns one acquisition and releases it when it goes out of scope,
// whether the scope ends normally, by an exception or by a cancellation
// (cancelled_error unwinds like any exception). Move-only; release() gives the
// acquisition back early.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "corio/debug/logger.hpp"

namespace corio {

template <class Releasable>
class [[nodiscard]] release_guard {
public:
    release_guard() noexcept = default;
    explicit release_guard(Releasable& r) noexcept : r_(&r) {}
    release_guard(release_guard&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
    release_guard& operator=(release_guard&& o) noexcept {
        if (this != &o) {
            reset();
            r_ = std::exchange(o.r_, nullptr);
        }
        return *this;
    }
    ~release_guard() { reset(); }

    // Releases now instead of at the end of the scope.
    void release() {
        if (Releasable* r = std::exchange(r_, nullptr)) r->release();
    }
    bool owns() const noexcept { return r_ != nullptr; }
    explicit operator bool() const noexcept { return owns(); }

private:
    // A destructor cannot throw: if someone else already released what this
    // guard owns, say so instead of terminating.
    void reset() noexcept {
        try {
            release();
        } catch (const std::exception& e) {
            log(std::string("corio: release_guard: ") + e.what());
        }
    }

    Releasable* r_ = nullptr;
};

}  // namespace corio
