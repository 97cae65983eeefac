// Sizes and counts given to the sync primitives (semaphore value, barrier
// parties, queue maxsize) may come as any integer type, braced or not
// (`corio::barrier b{parties}` with a std::size_t must not be a narrowing
// error). They are checked as signed values: a negative one is reported by
// the primitive, a huge unsigned one saturates.
#pragma once

#include <concepts>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace corio::detail {

template <std::integral I>
constexpr std::ptrdiff_t signed_count(I v) noexcept {
    constexpr auto max = std::numeric_limits<std::ptrdiff_t>::max();
    if constexpr (std::is_signed_v<I>) {
        if constexpr (sizeof(I) > sizeof(std::ptrdiff_t))
            if (v > static_cast<I>(max)) return max;
        return static_cast<std::ptrdiff_t>(v);
    } else {
        return v > static_cast<std::make_unsigned_t<std::ptrdiff_t>>(max) ? max
                                                                          : static_cast<std::ptrdiff_t>(v);
    }
}

}  // namespace corio::detail
