// byte_buffer: a growable FIFO of bytes with a free tail that the kernel can
// read into directly (recv into prepare(), then commit()).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace corio::detail {

class byte_buffer {
public:
    std::size_t size() const noexcept { return end_ - begin_; }
    bool empty() const noexcept { return begin_ == end_; }
    const char* data() const noexcept { return data_.get() + begin_; }
    std::string_view view() const noexcept { return {data(), size()}; }
    std::size_t capacity() const noexcept { return cap_; }

    // At least `min_free` writable bytes at the tail (compacting first).
    char* prepare(std::size_t min_free) {
        if (cap_ - end_ >= min_free) return data_.get() + end_;
        if (begin_ > 0) {
            std::memmove(data_.get(), data_.get() + begin_, size());
            end_ -= begin_;
            begin_ = 0;
        }
        if (cap_ - end_ < min_free) {
            std::size_t cap = cap_ ? cap_ * 2 : min_free;
            while (cap - end_ < min_free) cap *= 2;
            auto bigger = std::make_unique_for_overwrite<char[]>(cap);
            if (end_) std::memcpy(bigger.get(), data_.get(), end_);
            data_ = std::move(bigger);
            cap_ = cap;
        }
        return data_.get() + end_;
    }
    std::size_t free_tail() const noexcept { return cap_ - end_; }
    void commit(std::size_t n) noexcept { end_ += n; }
    void append(const char* p, std::size_t n) {
        std::memcpy(prepare(n), p, n);
        end_ += n;
    }
    void consume(std::size_t n) noexcept {
        begin_ += n;
        if (begin_ == end_) begin_ = end_ = 0;
    }
    std::string take(std::size_t n) {
        std::string s(data(), n);
        consume(n);
        return s;
    }
    void clear() noexcept { begin_ = end_ = 0; }
    // Gives the memory back (a closed stream keeps no buffers).
    void release() noexcept {
        data_.reset();
        cap_ = begin_ = end_ = 0;
    }

private:
    std::unique_ptr<char[]> data_;
    std::size_t cap_ = 0, begin_ = 0, end_ = 0;
};

}  // namespace corio::detail
