// A growable FIFO ring buffer: the loop's ready queue. Cheaper than
// std::deque because it never frees or allocates in steady state.
#pragma once

#include <cstddef>
#include <type_traits>

namespace corio::detail {

// Memory for big flat arrays: past 2 MiB it is mapped on huge-page
// boundaries and advised to use transparent huge pages (a million-entry queue
// then costs a few page faults, not thousands). Uninitialized.
void* allocate_buffer(std::size_t bytes);
void free_buffer(void* p, std::size_t bytes) noexcept;

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
    void grow() {
        const std::size_t capacity = capacity_ ? capacity_ * 2 : 256;
        T* buffer = static_cast<T*>(allocate_buffer(capacity * sizeof(T)));
        for (std::size_t i = 0, n = size(); i < n; ++i) buffer[i] = buffer_[(head_ + i) & (capacity_ - 1)];
        tail_ = size();
        head_ = 0;
        free_buffer(buffer_, capacity_ * sizeof(T));
        buffer_ = buffer;
        capacity_ = capacity;
    }

    T* buffer_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
};

}  // namespace corio::detail
