#include "keyspace.hpp"

#include <functional>
#include <utility>

namespace redis_lite {

namespace {
constexpr std::size_t initial_slots = 64;  // a power of two
}

keyspace::keyspace() : slots_(initial_slots), mask_(initial_slots - 1) {}

std::uint64_t keyspace::hash_of(std::string_view key) noexcept {
    const std::uint64_t h = std::hash<std::string_view>{}(key);
    return h ? h : 1;  // 0 marks an empty slot
}

std::size_t keyspace::probe(std::string_view key, std::uint64_t h) const noexcept {
    // The load factor stays under 3/4, so an empty slot always ends the scan.
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
        const slot& s = slots_[i];
        if (s.hash == 0 || (s.hash == h && s.e.key == key)) return i;
    }
}

entry* keyspace::find(std::string_view key, time_point now) {
    const std::size_t i = probe(key, hash_of(key));
    slot& s = slots_[i];
    if (s.hash == 0) return nullptr;
    if (s.e.expires_at <= now) {
        erase_slot(i);
        return nullptr;
    }
    return &s.e;
}

entry* keyspace::find_or_insert(std::string_view key, time_point now, bool& created) {
    const std::uint64_t h = hash_of(key);
    std::size_t i = probe(key, h);
    if (slots_[i].hash != 0) {
        entry& e = slots_[i].e;
        created = e.expires_at <= now;
        if (created) {  // expired: reuse the slot as a fresh key
            expiry_changed(e.expires_at, no_expiry);
            e.expires_at = no_expiry;
            e.value.clear();
        }
        return &e;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) {
        grow();
        i = probe(key, h);
    }
    slot& s = slots_[i];
    s.hash = h;
    s.e.key.assign(key);
    ++size_;
    created = true;
    return &s.e;
}

bool keyspace::erase(std::string_view key, time_point now) {
    const std::size_t i = probe(key, hash_of(key));
    if (slots_[i].hash == 0) return false;
    const bool live = slots_[i].e.expires_at > now;
    erase_slot(i);
    return live;
}

void keyspace::expiry_changed(time_point before, time_point after) noexcept {
    volatile_ += static_cast<std::size_t>(after != no_expiry) - static_cast<std::size_t>(before != no_expiry);
}

// Backward-shift deletion: later entries of the same probe run move up, so
// no tombstones pile up and lookups stay short.
void keyspace::erase_slot(std::size_t i) noexcept {
    expiry_changed(slots_[i].e.expires_at, no_expiry);
    --size_;
    for (std::size_t j = i;;) {
        j = (j + 1) & mask_;
        if (slots_[j].hash == 0) break;
        const std::size_t home = slots_[j].hash & mask_;
        // An entry whose home lies cyclically in (i, j] must stay where it is.
        const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays) continue;
        slots_[i] = std::move(slots_[j]);
        i = j;
    }
    slots_[i] = slot{};  // frees the strings
}

void keyspace::grow() {
    std::vector<slot> old = std::exchange(slots_, std::vector<slot>(slots_.size() * 2));
    mask_ = slots_.size() - 1;
    for (slot& s : old) {
        if (s.hash == 0) continue;
        std::size_t i = s.hash & mask_;
        while (slots_[i].hash != 0) i = (i + 1) & mask_;
        slots_[i] = std::move(s);
    }
    sweep_cursor_ = 0;
}

std::size_t keyspace::sweep(time_point now, std::size_t budget) {
    std::size_t erased = 0;
    for (std::size_t examined = 0; examined < budget && volatile_ > 0; ++examined) {
        const std::size_t i = sweep_cursor_ & mask_;
        slot& s = slots_[i];
        if (s.hash != 0 && s.e.expires_at <= now) {
            // The shift may pull a later entry into slot i: look at it again.
            erase_slot(i);
            ++erased;
            continue;
        }
        sweep_cursor_ = i + 1;
    }
    return erased;
}

}  // namespace redis_lite
