// A growable FIFO ring buffer: the loop's ready queue. Cheaper than
// std::deque because it never frees or allocates in steady state.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace corio::detail {

template <class T>
class ring_queue {
public:
    ring_queue() = default;
    ring_queue(const ring_queue&) = delete;
    ring_queue& operator=(const ring_queue&) = delete;

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
        auto buffer = std::make_unique_for_overwrite<T[]>(capacity);  // no zeroing of a million slots
        for (std::size_t i = 0, n = size(); i < n; ++i)
            buffer[i] = std::move(buffer_[(head_ + i) & (capacity_ - 1)]);
        tail_ = size();
        head_ = 0;
        buffer_ = std::move(buffer);
        capacity_ = capacity;
    }

    std::unique_ptr<T[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
};

}  // namespace corio::detail
