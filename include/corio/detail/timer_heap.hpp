// The loop's timers: a binary min-heap of intrusive nodes that know their own
// index, so a cancelled timer leaves the heap at once (O(log n)) instead of
// lingering until its deadline. Equal deadlines fire in scheduling order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "corio/clock.hpp"

namespace corio::detail {

// 24 bytes: it lives inside every sleeping coroutine's frame.
struct timer_node {
    static constexpr std::uint32_t not_queued = static_cast<std::uint32_t>(-1);

    clock::time_point when{};
    void (*fire)(timer_node*) = nullptr;
    std::uint32_t seq = 0;  // scheduling order among equal deadlines (wraps; compared as a serial number)
    std::uint32_t index = not_queued;

    bool queued() const noexcept { return index != not_queued; }
};

class timer_heap {
public:
    bool empty() const noexcept { return heap_.empty(); }
    std::size_t size() const noexcept { return heap_.size(); }
    timer_node* top() const noexcept { return heap_.front(); }

    void push(timer_node* node);
    void erase(timer_node* node) noexcept;
    timer_node* pop() noexcept;

private:
    static bool before(const timer_node* a, const timer_node* b) noexcept {
        // Serial-number order: right while fewer than 2^31 timers are pending.
        return a->when < b->when || (a->when == b->when && static_cast<std::int32_t>(a->seq - b->seq) < 0);
    }
    void place(std::size_t i, timer_node* node) noexcept {
        heap_[i] = node;
        node->index = static_cast<std::uint32_t>(i);
    }
    void sift_up(std::size_t i) noexcept;
    void sift_down(std::size_t i) noexcept;

    std::vector<timer_node*> heap_;
    std::uint32_t next_seq_ = 0;
};

}  // namespace corio::detail
