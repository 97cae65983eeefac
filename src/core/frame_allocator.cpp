#include "corio/detail/frame_allocator.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace corio::detail {

constinit thread_local frame_cache tls_frames{};

namespace {

// Blocks are carved from slabs and recycled through per-thread free lists; a
// block freed on another thread (a coroutine made on one thread and run on a
// loop in another) joins that thread's list. Slabs are never returned: the
// pool keeps the peak number of live frames, like any general-purpose
// allocator's arena.
//
// A thread starts with 64 KiB slabs. Once it holds 4 MiB of frames (some
// 30,000 tasks) it is running a bulk workload, and its slabs become 2 MiB
// chunks backed by transparent huge pages: one page fault instead of 512.
// Memory-light programs never see a huge page.
constexpr std::size_t small_slab = 64 * 1024;
constexpr std::size_t huge_slab = 2 * 1024 * 1024;
constexpr std::size_t huge_after = 4 * 1024 * 1024;

// Free lists left by threads that exited (each list chained through
// next_list), adopted whole by threads that run dry.
std::mutex orphans_mutex;
free_block* orphans[frame_classes];
std::atomic<bool> has_orphans[frame_classes];

// The slabs stay reachable for the leak checker.
std::vector<void*>* slabs;

struct thread_pool_state {
    std::size_t slab_bytes_total = 0;
    bool armed = false;  // setting it registers the destructor below
    ~thread_pool_state() {
        std::lock_guard lock(orphans_mutex);
        for (std::size_t c = 0; c < frame_classes; ++c) {
            free_block* head = tls_frames.heads[c];
            if (!head) continue;
            head->next_list = orphans[c];
            orphans[c] = head;
            has_orphans[c].store(true, std::memory_order_relaxed);
            tls_frames.heads[c] = nullptr;
        }
    }
};
thread_local thread_pool_state pool_state;

// `bytes` (a multiple of 2 MiB) on a 2 MiB boundary, so that the kernel can
// back it with huge pages; null if the mapping fails.
void* huge_chunk(std::size_t bytes = huge_slab) {
    // Over-map, then trim to the aligned part.
    const std::size_t span = bytes + huge_slab;
    void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + huge_slab - 1) & ~(huge_slab - 1);
    if (aligned > start) ::munmap(raw, aligned - start);
    if (const std::uintptr_t end = aligned + bytes; end < start + span)
        ::munmap(reinterpret_cast<void*>(end), start + span - end);
    ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
}

void new_slab() {
    std::size_t bytes = small_slab;
    void* slab = nullptr;
    if (pool_state.slab_bytes_total >= huge_after) {
        slab = huge_chunk();
        bytes = huge_slab;
    }
    if (!slab) {
        bytes = small_slab;
        slab = std::malloc(bytes);
        if (!slab) throw std::bad_alloc();
        std::lock_guard lock(orphans_mutex);
        if (!slabs) slabs = new std::vector<void*>;
        slabs->push_back(slab);
    }
    pool_state.slab_bytes_total += bytes;  // also registers the thread-exit hand-off
    tls_frames.bump = static_cast<char*>(slab);
    tls_frames.bump_end = tls_frames.bump + bytes;
}

}  // namespace

// Whole multiples of 2 MiB are mapped (aligned, huge pages advised); the rest
// is malloc's, and so is everything under the sanitizers, like the frames, so
// that ASan and LeakSanitizer see it.
static bool is_mapped_buffer(std::size_t bytes) noexcept {
    return CORIO_POOL_FRAMES && bytes >= huge_slab && bytes % huge_slab == 0;
}

void* allocate_buffer(std::size_t bytes) {
    void* p = is_mapped_buffer(bytes) ? huge_chunk(bytes) : std::malloc(bytes);
    if (!p) throw std::bad_alloc();
    return p;
}

void free_buffer(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (is_mapped_buffer(bytes))
        ::munmap(p, bytes);
    else
        std::free(p);
}

void* grow_buffer(void* p, std::size_t old_bytes, std::size_t new_bytes) {
    if (!p) return allocate_buffer(new_bytes);
    if (!is_mapped_buffer(new_bytes)) {
        void* q = std::realloc(p, new_bytes);
        if (!q) throw std::bad_alloc();
        return q;
    }
    void* q = huge_chunk(new_bytes);
    if (!q) throw std::bad_alloc();
    // A mapped buffer's pages move into the new mapping (page tables only,
    // nothing is copied and no fresh page is zeroed for them); both ends are
    // on huge-page boundaries, so huge pages stay huge.
    if (is_mapped_buffer(old_bytes) &&
        ::mremap(p, old_bytes, old_bytes, MREMAP_MAYMOVE | MREMAP_FIXED, q) != MAP_FAILED)
        return q;
    std::memcpy(q, p, old_bytes);
    free_buffer(p, old_bytes);
    return q;
}

// A thread that only frees blocks (made elsewhere) must hand its lists on at
// exit too, or those blocks are lost to every other thread.
void arm_frame_hand_off() noexcept {
    pool_state.armed = true;
    tls_frames.hands_off_at_exit = true;
}

void* refill_frames(std::size_t c) {
    frame_cache& cache = tls_frames;
    if (has_orphans[c].load(std::memory_order_relaxed)) {
        std::lock_guard lock(orphans_mutex);
        if (free_block* list = orphans[c]) {
            arm_frame_hand_off();
            orphans[c] = list->next_list;
            if (!orphans[c]) has_orphans[c].store(false, std::memory_order_relaxed);
            cache.heads[c] = list->next;
            return list;
        }
    }
    const std::size_t bytes = c * frame_granule;
    if (static_cast<std::size_t>(cache.bump_end - cache.bump) < bytes) new_slab();
    void* p = cache.bump;
    cache.bump += bytes;
    return p;
}

}  // namespace corio::detail
