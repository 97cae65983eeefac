// The one place where coroutine frames and task states are allocated.
//
// Small blocks come from per-thread slabs and free lists by size class, so
// spawning and finishing a million tasks costs no trip to malloc. Frames
// larger than 1 KiB use operator new.
#pragma once

#include <cstddef>

namespace corio::detail {

void* allocate_frame(std::size_t size);
void deallocate_frame(void* p, std::size_t size) noexcept;

// Mixin giving a class (promise types, task states) the pooled allocator.
struct pooled {
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
};

}  // namespace corio::detail
