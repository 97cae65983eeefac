#include "corio/detail/frame_allocator.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

// Under AddressSanitizer (and TSan) frames go straight to operator new so
// that a use after free of a frame is caught instead of hidden by the pool.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CORIO_POOL_FRAMES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CORIO_POOL_FRAMES 0
#endif
#endif
#ifndef CORIO_POOL_FRAMES
#define CORIO_POOL_FRAMES 1
#endif

namespace corio::detail {
namespace {

// Size classes of 16 bytes up to 1 KiB. Blocks are carved from 64 KiB slabs
// and recycled through per-thread free lists; a block freed on another
// thread (a coroutine made on one thread and run on a loop in another) joins
// that thread's list. Slabs are never returned: the pool keeps the peak
// number of live frames, like any general-purpose allocator's arena.
constexpr std::size_t granule = 16;
constexpr std::size_t class_count = 65;
constexpr std::size_t slab_bytes = 64 * 1024;

struct free_block {
    free_block* next;
};

// Trivially destructible, so reaching it costs a TLS load and no guard.
struct frame_cache {
    free_block* heads[class_count];
    char* bump;
    char* bump_end;
};
thread_local frame_cache cache;

// Lists left by threads that exited, adopted whole by threads that run dry.
std::atomic<free_block*> orphans[class_count];

// The slabs stay reachable for the leak checker.
std::mutex slabs_mutex;
std::vector<void*>* slabs;

struct thread_exit_hook {
    bool armed = false;
    ~thread_exit_hook() {
        for (std::size_t c = 0; c < class_count; ++c) {
            free_block* head = cache.heads[c];
            if (!head) continue;
            free_block* tail = head;
            while (tail->next) tail = tail->next;
            tail->next = orphans[c].load(std::memory_order_relaxed);
            while (!orphans[c].compare_exchange_weak(tail->next, head, std::memory_order_release,
                                                     std::memory_order_relaxed)) {
            }
            cache.heads[c] = nullptr;
        }
    }
};
thread_local thread_exit_hook exit_hook;

constexpr std::size_t class_of(std::size_t size) noexcept { return (size + granule - 1) / granule; }

[[gnu::noinline]] void* refill(std::size_t c) {
    if (orphans[c].load(std::memory_order_relaxed)) {
        if (free_block* b = orphans[c].exchange(nullptr, std::memory_order_acquire)) {
            cache.heads[c] = b->next;
            return b;
        }
    }
    const std::size_t bytes = c * granule;
    if (cache.bump + bytes > cache.bump_end) {
        void* slab = std::malloc(slab_bytes);
        if (!slab) throw std::bad_alloc();
        exit_hook.armed = true;  // touching it registers the thread-exit handler
        {
            std::lock_guard lock(slabs_mutex);
            if (!slabs) slabs = new std::vector<void*>;
            slabs->push_back(slab);
        }
        cache.bump = static_cast<char*>(slab);
        cache.bump_end = cache.bump + slab_bytes;
    }
    void* p = cache.bump;
    cache.bump += bytes;
    return p;
}

}  // namespace

void* allocate_frame(std::size_t size) {
    if constexpr (!CORIO_POOL_FRAMES) return ::operator new(size);
    const std::size_t c = class_of(size);
    if (c >= class_count) return ::operator new(size);
    if (free_block* b = cache.heads[c]) {
        cache.heads[c] = b->next;
        return b;
    }
    return refill(c);
}

void deallocate_frame(void* p, std::size_t size) noexcept {
    if (!p) return;
    if constexpr (!CORIO_POOL_FRAMES) return ::operator delete(p);
    const std::size_t c = class_of(size);
    if (c >= class_count) return ::operator delete(p);
    auto* b = static_cast<free_block*>(p);
    b->next = cache.heads[c];
    cache.heads[c] = b;
}

}  // namespace corio::detail
