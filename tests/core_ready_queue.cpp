// The loop's ready queue (detail::ring_queue): FIFO order through growth,
// whether the entries wrap around the buffer when it grows or not, and past
// the size where the buffer is mapped and its pages are moved, not copied.
#include <gtest/gtest.h>
#include <corio/detail/ring_queue.hpp>

#include <cstddef>
#include <cstdint>

namespace {

using corio::detail::ring_queue;

// 2 MiB of 8-byte entries: from here on the buffer is mapped (outside the
// sanitizer builds, which keep every buffer on malloc).
constexpr std::size_t mapped_entries = (std::size_t{2} << 20) / sizeof(std::uint64_t);

TEST(ready_queue, a_burst_without_pops_keeps_its_order_through_every_growth) {
    ring_queue<std::uint64_t> q;
    const std::uint64_t n = 4 * mapped_entries + 3;
    for (std::uint64_t i = 0; i < n; ++i) q.push(i);
    ASSERT_EQ(q.size(), n);
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(q.pop(), i);
    EXPECT_TRUE(q.empty());
}

TEST(ready_queue, wrapped_entries_move_after_the_oldest_when_it_grows) {
    // Pop one for every two pushed: at each growth the ring has wrapped, so
    // its newest entries sit before its oldest in the buffer.
    ring_queue<std::uint64_t> q;
    std::uint64_t next_in = 0, next_out = 0;
    while (next_in < 3 * mapped_entries) {
        q.push(next_in++);
        q.push(next_in++);
        ASSERT_EQ(q.pop(), next_out++);
        ASSERT_EQ(q.size(), next_in - next_out);
    }
    while (!q.empty()) ASSERT_EQ(q.pop(), next_out++);
    EXPECT_EQ(next_out, next_in);
}

TEST(ready_queue, a_queue_that_empties_and_refills_reuses_its_buffer_in_order) {
    ring_queue<std::uint64_t> q;
    std::uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 1000 + 37 * round; ++i) q.push(next_in++);
        for (int i = 0; i < 900; ++i) ASSERT_EQ(q.pop(), next_out++);
    }
    while (!q.empty()) ASSERT_EQ(q.pop(), next_out++);
    EXPECT_EQ(next_out, next_in);
}

}  // namespace
