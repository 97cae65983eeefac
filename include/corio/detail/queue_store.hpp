// Where the items of corio's queues live: the FIFO, LIFO and heap orders
// (asyncio's Queue._put/_get overrides). Each works with move-only items.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace corio::detail {

// A growable ring of raw slots: a steady stream through a bounded queue
// never allocates (std::deque allocates a node every few items as it walks
// through memory). Shrinks when mostly empty, so a burst does not pin its
// memory forever.
template <class T>
class fifo_store {
public:
    fifo_store() = default;
    fifo_store(const fifo_store&) = delete;
    fifo_store& operator=(const fifo_store&) = delete;
    ~fifo_store() {
        clear();
        release(slots_, capacity_);
    }

    std::size_t size() const noexcept { return size_; }
    template <class U>
    void push(U&& v) {
        if (size_ == capacity_) resize(capacity_ ? capacity_ * 2 : 16);
        ::new (static_cast<void*>(slot(head_ + size_))) T(std::forward<U>(v));
        ++size_;
    }
    T pop() {
        T* p = slot(head_);
        T v = std::move(*p);
        p->~T();
        head_ = (head_ + 1) & (capacity_ - 1);
        --size_;
        if (capacity_ > 1024 && size_ < capacity_ / 8) shrink();
        return v;
    }
    void clear() noexcept {
        while (size_ > 0) {
            slot(head_)->~T();
            head_ = (head_ + 1) & (capacity_ - 1);
            --size_;
        }
    }

private:
    void shrink() noexcept {
        try {
            resize(capacity_ / 2);
        } catch (...) {  // keeping the larger ring is fine
        }
    }
    T* slot(std::size_t i) const noexcept { return slots_ + (i & (capacity_ - 1)); }
    static T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    static void release(T* p, std::size_t n) noexcept {
        if (p) std::allocator<T>().deallocate(p, n);
    }
    // Strong guarantee: if a copy (for types whose move may throw) or the
    // allocation fails, the ring is unchanged.
    void resize(std::size_t capacity) {
        T* fresh = allocate(capacity);
        std::size_t i = 0;
        try {
            for (; i < size_; ++i)
                ::new (static_cast<void*>(fresh + i)) T(std::move_if_noexcept(*slot(head_ + i)));
        } catch (...) {
            while (i > 0) fresh[--i].~T();
            release(fresh, capacity);
            throw;
        }
        for (i = 0; i < size_; ++i) slot(head_ + i)->~T();
        release(slots_, capacity_);
        slots_ = fresh;
        capacity_ = capacity;
        head_ = 0;
    }

    T* slots_ = nullptr;
    std::size_t capacity_ = 0;  // a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

template <class T>
class lifo_store {
public:
    std::size_t size() const noexcept { return items_.size(); }
    template <class U>
    void push(U&& v) {
        items_.emplace_back(std::forward<U>(v));
    }
    T pop() {
        T v = std::move(items_.back());
        items_.pop_back();
        return v;
    }
    void clear() noexcept { items_.clear(); }

private:
    std::vector<T> items_;
};

// Smallest first, like heapq: the std heap algorithms keep the largest on
// top, so they get the comparison reversed.
template <class T, class Compare>
class heap_store {
public:
    std::size_t size() const noexcept { return items_.size(); }
    template <class U>
    void push(U&& v) {
        items_.emplace_back(std::forward<U>(v));
        std::push_heap(items_.begin(), items_.end(), reversed{&less_});
    }
    T pop() {
        std::pop_heap(items_.begin(), items_.end(), reversed{&less_});
        T v = std::move(items_.back());
        items_.pop_back();
        return v;
    }
    void clear() noexcept { items_.clear(); }

private:
    struct reversed {
        Compare* less;
        bool operator()(const T& a, const T& b) const { return (*less)(b, a); }
    };

    std::vector<T> items_;
    Compare less_;
};

}  // namespace corio::detail
