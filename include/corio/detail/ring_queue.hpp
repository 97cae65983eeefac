// A growable FIFO ring buffer: the loop's ready queue. Cheaper than
// std::deque because it never frees or allocates in steady state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace corio::detail {

// Memory for big flat arrays: past 2 MiB it is mapped on huge-page
// boundaries and advised to use transparent huge pages (a million-entry queue
// then costs a few page faults, not thousands). Uninitialized.
void* allocate_buffer(std::size_t bytes);
void free_buffer(void* p, std::size_t bytes) noexcept;
// realloc() for these buffers: the first old_bytes are kept. A mapped
// buffer's pages are moved, not copied.
void* grow_buffer(void* p, std::size_t old_bytes, std::size_t new_bytes);

template <class T>
class ring_queue {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    ring_queue() = default;
    ring_queue(const ring_queue&) = delete;
    ring_queue& operator=(const ring_queue&) = delete;
    ~ring_queue() { free_buffer(buffer_, capacity_ * sizeof(T)); }

    bool empty() const noexcept { return head_ == tail_; }
    std::size_t size() const noexcept { return tail_ - head_; }

    void push(T value) {
        if (size() == capacity_) grow();
        buffer_[tail_++ & (capacity_ - 1)] = std::move(value);
    }

    T pop() noexcept { return std::move(buffer_[head_++ & (capacity_ - 1)]); }

private:
    // Called when full. The buffer doubles in place (as realloc does), so the
    // oldest entries stay at [h, old capacity) and only the newest, wrapped
    // to [0, h), move: after the oldest. A queue filled without pops (a
    // burst of spawns) has h == 0 and moves nothing, however long it is.
    void grow() {
        const std::size_t capacity = capacity_ ? capacity_ * 2 : 256;
        buffer_ = static_cast<T*>(grow_buffer(buffer_, capacity_ * sizeof(T), capacity * sizeof(T)));
        const std::size_t h = capacity_ ? head_ & (capacity_ - 1) : 0;
        std::copy(buffer_, buffer_ + h, buffer_ + capacity_);
        head_ = h;
        tail_ = h + capacity_;
        capacity_ = capacity;
    }

    T* buffer_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
};

}  // namespace corio::detail
