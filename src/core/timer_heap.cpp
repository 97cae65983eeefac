#include "corio/detail/timer_heap.hpp"

#include <stdexcept>

namespace corio::detail {

void timer_heap::push(timer_node* node) {
    if (heap_.size() >= timer_node::not_queued / 2) throw std::length_error("too many pending timers");
    node->seq = next_seq_++;
    heap_.push_back(node);
    node->index = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(node->index);
}

void timer_heap::erase(timer_node* node) noexcept {
    const std::size_t i = node->index;
    node->index = timer_node::not_queued;
    timer_node* last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    place(i, last);
    sift_up(i);
    sift_down(last->index);
}

timer_node* timer_heap::pop() noexcept {
    timer_node* node = heap_.front();
    erase(node);
    return node;
}

void timer_heap::sift_up(std::size_t i) noexcept {
    timer_node* node = heap_[i];
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (!before(node, heap_[parent])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, node);
}

void timer_heap::sift_down(std::size_t i) noexcept {
    const std::size_t n = heap_.size();
    timer_node* node = heap_[i];
    for (;;) {
        std::size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
        if (!before(heap_[child], node)) break;
        place(i, heap_[child]);
        i = child;
    }
    place(i, node);
}

}  // namespace corio::detail
