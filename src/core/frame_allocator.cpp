#include "corio/detail/frame_allocator.hpp"

#include <cstdlib>
#include <new>

// Under AddressSanitizer frames go straight to malloc so that a use after
// free of a frame is caught instead of hidden by the pool.
#if defined(__SANITIZE_ADDRESS__)
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

constexpr std::size_t granule = 32;
constexpr std::size_t class_count = 32;  // pooled sizes up to 1 KiB
constexpr std::size_t max_cached_per_class = 1 << 16;

struct free_block {
    free_block* next;
};

// Per-thread caches. Bounded, so a burst of a million tasks does not keep
// its memory forever; past the bound blocks go back to malloc.
struct frame_cache {
    free_block* heads[class_count] = {};
    std::size_t counts[class_count] = {};

    ~frame_cache() {
        for (auto* head : heads) {
            while (head) {
                auto* next = head->next;
                std::free(head);
                head = next;
            }
        }
    }
};

thread_local frame_cache cache;

constexpr std::size_t class_of(std::size_t size) noexcept { return (size + granule - 1) / granule; }

}  // namespace

void* allocate_frame(std::size_t size) {
    if constexpr (!CORIO_POOL_FRAMES) return ::operator new(size);
    const std::size_t c = class_of(size);
    if (c < class_count) {
        if (free_block* b = cache.heads[c]) {
            cache.heads[c] = b->next;
            --cache.counts[c];
            return b;
        }
        if (void* p = std::malloc(c * granule)) return p;
        throw std::bad_alloc();
    }
    if (void* p = std::malloc(size)) return p;
    throw std::bad_alloc();
}

void deallocate_frame(void* p, std::size_t size) noexcept {
    if (!p) return;
    if constexpr (!CORIO_POOL_FRAMES) return ::operator delete(p);
    const std::size_t c = class_of(size);
    if (c < class_count && cache.counts[c] < max_cached_per_class) {
        auto* b = static_cast<free_block*>(p);
        b->next = cache.heads[c];
        cache.heads[c] = b;
        ++cache.counts[c];
        return;
    }
    std::free(p);
}

}  // namespace corio::detail
