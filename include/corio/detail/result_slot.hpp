// Storage for a value that arrives later: T, T& (kept as a pointer) or void
// (kept as corio::none, which is also what void results look like inside
// gather's tuples and vectors).
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace corio {

struct none {
    friend constexpr bool operator==(none, none) noexcept { return true; }
};

namespace detail {

template <class T>
struct result_slot {
    std::optional<T> value;
    template <class U>
    void set(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    T& get() noexcept { return *value; }
    // Copy for copyable results (many awaiters may read them), else move.
    T take() {
        if constexpr (std::is_copy_constructible_v<T>)
            return *value;
        else
            return std::move(*value);
    }
};

// Plain data needs no "engaged" flag: whoever reads the slot knows it was
// set (the future is finished, the coroutine has returned). Eight bytes less
// in every such future, task and coroutine frame.
template <class T>
requires std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>
struct result_slot<T> {
    union {
        T value;
    };
    result_slot() noexcept {}
    template <class U>
    void set(U&& v) {
        std::construct_at(&value, std::forward<U>(v));
    }
    T& get() noexcept { return value; }
    T take() noexcept { return value; }
};

template <class T>
struct result_slot<T&> {
    T* value = nullptr;
    void set(T& v) noexcept { value = &v; }
    T& get() noexcept { return *value; }
    T& take() noexcept { return *value; }
};

template <>
struct result_slot<void> {
    void get() noexcept {}
    void take() noexcept {}
};

// What a void awaitable contributes to a tuple or vector of results.
template <class T>
using value_or_none = std::conditional_t<std::is_void_v<T>, none, T>;

}  // namespace detail
}  // namespace corio
