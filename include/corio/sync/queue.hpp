// corio/sync/queue.hpp: queue, lifo_queue, priority_queue (asyncio.Queue,
// asyncio.LifoQueue, asyncio.PriorityQueue).
//
//     corio::queue<job> jobs(100);          // maxsize 100; 0 = unbounded
//     co_await jobs.put(j);                 // waits while full (back-pressure)
//     job next = co_await jobs.get();       // waits while empty
//     jobs.task_done();  co_await jobs.join();
//     jobs.shutdown();                      // Python 3.13's Queue.shutdown
//
// put_nowait/get_nowait throw queue_full/queue_empty instead of waiting;
// after shutdown(), put() throws queue_shutdown, and get() too once the queue
// is empty (at once with shutdown(true), which drops the items). task_done()
// once too many throws std::invalid_argument. Items may be move-only.
// priority_queue gives the smallest item first (like heapq, unlike
// std::priority_queue). Getters and putters are served in FIFO order.
// Loop-local: not thread-safe.
// Cancellation: a cancelled get() takes no item, and a cancelled put() puts
// nothing; if the cancellation races with the wake-up, the item (or free
// slot) stays in the queue for the next waiter.
#pragma once

#include <cstddef>
#include <functional>

#include "corio/detail/basic_queue.hpp"
#include "corio/detail/queue_store.hpp"

namespace corio {

template <class T>
class queue : public detail::basic_queue<T, detail::fifo_store<T>> {
public:
    using detail::basic_queue<T, detail::fifo_store<T>>::basic_queue;
};

template <class T>
class lifo_queue : public detail::basic_queue<T, detail::lifo_store<T>> {
public:
    using detail::basic_queue<T, detail::lifo_store<T>>::basic_queue;
};

template <class T, class Compare = std::less<T>>
class priority_queue : public detail::basic_queue<T, detail::heap_store<T, Compare>> {
public:
    using detail::basic_queue<T, detail::heap_store<T, Compare>>::basic_queue;
};

}  // namespace corio
