// redis_lite's keyspace: string keys to string values with optional expiry,
// in a flat open-addressing hash table (linear probing, backward-shift
// deletion), so a lookup is one hash and a short scan of one array, and a
// string_view looks up without building a std::string.
//
// Expiry is both lazy (find() drops a key whose deadline has passed) and
// active: sweep() scans a bounded slice of the table per call, as redis's
// periodic expire cycle does, so keys nobody reads again are freed too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <corio/clock.hpp>

namespace redis_lite {

using time_point = corio::clock::time_point;
inline constexpr time_point no_expiry = time_point::max();

struct entry {
    std::string key;
    std::string value;
    time_point expires_at = no_expiry;
};

class keyspace {
public:
    keyspace();

    // The live entry for `key`, or nullptr (an expired one is erased first).
    entry* find(std::string_view key, time_point now);
    // The entry for `key`, created empty if absent or expired; `created`
    // tells which. The pointer is valid until the next insert or erase.
    entry* find_or_insert(std::string_view key, time_point now, bool& created);
    // True if a live key was removed.
    bool erase(std::string_view key, time_point now);

    // Examines up to `budget` slots from where the last call stopped and
    // erases the expired entries found; returns how many it erased.
    std::size_t sweep(time_point now, std::size_t budget);

    std::size_t size() const noexcept { return size_; }
    // Keys that carry an expiry (the sweep has nothing to do at 0).
    std::size_t volatile_keys() const noexcept { return volatile_; }
    // Call after changing an entry's expires_at, so volatile_keys() stays exact.
    void expiry_changed(time_point before, time_point after) noexcept;

private:
    struct slot {
        std::uint64_t hash = 0;  // 0: empty
        entry e;
    };

    static std::uint64_t hash_of(std::string_view key) noexcept;
    std::size_t probe(std::string_view key, std::uint64_t h) const noexcept;  // its slot, or an empty one
    void erase_slot(std::size_t i) noexcept;
    void grow();

    std::vector<slot> slots_;
    std::size_t mask_;
    std::size_t size_ = 0;
    std::size_t volatile_ = 0;
    std::size_t sweep_cursor_ = 0;
};

}  // namespace redis_lite
