// The one place where coroutine frames and task states are allocated.
//
// Small blocks come from per-thread slabs and free lists by size class, so
// spawning and finishing a million tasks costs no trip to malloc. The hot
// path (pop a free block, or bump the slab pointer) is inline; frames larger
// than 1 KiB use operator new. Under AddressSanitizer and ThreadSanitizer
// every block goes to operator new, so a use after free is caught instead of
// hidden by the pool.
#pragma once

#include <cstddef>
#include <new>

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

struct free_block {
    free_block* next;
    free_block* next_list;  // only used while a whole list is handed between threads
};

// Size classes of 16 bytes up to 1 KiB.
inline constexpr std::size_t frame_granule = 16;
inline constexpr std::size_t frame_classes = 65;

// Trivial, so reaching it costs one TLS access and no guard.
struct frame_cache {
    bool hands_off_at_exit;  // this thread's lists go to other threads when it exits
    free_block* heads[frame_classes];
    char* bump;
    char* bump_end;
};
extern constinit thread_local frame_cache tls_frames;

// The slow paths: a new slab (or a list left by an exited thread), and the
// first free on a thread (which arms the thread-exit hand-off).
void* refill_frames(std::size_t size_class);
void arm_frame_hand_off() noexcept;

[[gnu::always_inline]] inline void* allocate_frame(std::size_t size) {
    if constexpr (!CORIO_POOL_FRAMES) return ::operator new(size);
    const std::size_t c = (size + frame_granule - 1) / frame_granule;
    if (c >= frame_classes) [[unlikely]]
        return ::operator new(size);
    frame_cache& cache = tls_frames;
    if (free_block* b = cache.heads[c]) [[likely]] {
        cache.heads[c] = b->next;
        return b;
    }
    const std::size_t bytes = c * frame_granule;
    if (static_cast<std::size_t>(cache.bump_end - cache.bump) >= bytes) {
        void* p = cache.bump;
        cache.bump += bytes;
        return p;
    }
    return refill_frames(c);
}

[[gnu::always_inline]] inline void deallocate_frame(void* p, std::size_t size) noexcept {
    if (!p) return;
    if constexpr (!CORIO_POOL_FRAMES) return ::operator delete(p);
    const std::size_t c = (size + frame_granule - 1) / frame_granule;
    if (c >= frame_classes) [[unlikely]]
        return ::operator delete(p);
    frame_cache& cache = tls_frames;
    if (!cache.hands_off_at_exit) [[unlikely]]
        arm_frame_hand_off();
    auto* b = static_cast<free_block*>(p);
    b->next = cache.heads[c];
    cache.heads[c] = b;
}

// Mixin giving a class (promise types, task states) the pooled allocator.
struct pooled {
    [[gnu::always_inline]] static void* operator new(std::size_t size) { return allocate_frame(size); }
    [[gnu::always_inline]] static void operator delete(void* p, std::size_t size) noexcept {
        deallocate_frame(p, size);
    }
};

}  // namespace corio::detail
