// Shared fixtures for the core tests (cppcoro's idea): a move-only type, a
// type that counts its copies, moves and destructions, and a logger capture.
#pragma once

#include <corio/corio.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_test {

inline const corio::run_options virtual_time{.clock = corio::virtual_clock()};

// Only movable; the value travels in a unique_ptr so a moved-from object is detectable.
struct move_only {
    explicit move_only(int v) : value(std::make_unique<int>(v)) {}
    move_only(move_only&&) noexcept = default;
    move_only& operator=(move_only&&) noexcept = default;
    move_only(const move_only&) = delete;
    move_only& operator=(const move_only&) = delete;
    std::unique_ptr<int> value;
};

// Counts what happens to it. reset() before each test.
struct counted {
    static inline int default_constructions = 0;
    static inline int copies = 0;
    static inline int moves = 0;
    static inline int destructions = 0;
    static inline int assignments = 0;  // copy or move: no new object, so not in alive()
    static void reset() { default_constructions = copies = moves = destructions = assignments = 0; }
    static int alive() { return default_constructions + copies + moves - destructions; }

    int id = 0;
    counted() { ++default_constructions; }
    explicit counted(int i) : id(i) { ++default_constructions; }
    counted(const counted& o) : id(o.id) { ++copies; }
    counted(counted&& o) noexcept : id(o.id) { ++moves; }
    counted& operator=(const counted& o) {
        id = o.id;
        ++assignments;
        return *this;
    }
    counted& operator=(counted&& o) noexcept {
        id = o.id;
        ++assignments;
        return *this;
    }
    ~counted() { ++destructions; }
};

// Captures corio::log() output for the lifetime of the object.
class log_capture {
public:
    log_capture() {
        previous_ = corio::set_logger([lines = lines_](std::string_view m) { lines->emplace_back(m); });
    }
    ~log_capture() { corio::set_logger(std::move(previous_)); }
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

    const std::vector<std::string>& lines() const { return *lines_; }
    bool contains(std::string_view needle) const {
        for (const auto& l : *lines_)
            if (l.find(needle) != std::string::npos) return true;
        return false;
    }
    std::size_t count(std::string_view needle) const {
        std::size_t n = 0;
        for (const auto& l : *lines_)
            if (l.find(needle) != std::string::npos) ++n;
        return n;
    }

private:
    std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
    corio::logger previous_;
};

}  // namespace corio_test
