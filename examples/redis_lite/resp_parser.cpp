#include "resp_parser.hpp"


namespace redis_lite {

namespace {

enum class line_int { ok, incomplete, invalid };

// Reads "<digits>\r\n" at data[p] (after the '*' or '$'), in one pass: this
// is the parser's hot loop, so no find() and no from_chars. A leading '-' is
// accepted (for "*-1"); more than 18 digits is invalid (no overflow).
line_int read_line_int(std::string_view data, std::size_t p, long long& value, std::size_t& next) {
    const std::size_t start = p;
    const bool negative = p < data.size() && data[p] == '-';
    if (negative) ++p;
    long long v = 0;
    for (; p < data.size() && data[p] >= '0' && data[p] <= '9'; ++p) {
        if (p - start >= (negative ? 19u : 18u)) return line_int::invalid;
        v = v * 10 + (data[p] - '0');
    }
    if (p >= data.size()) return line_int::incomplete;
    if (data[p] != '\r' || p == start + negative) return line_int::invalid;
    if (p + 1 >= data.size()) return line_int::incomplete;
    if (data[p + 1] != '\n') return line_int::invalid;
    value = negative ? -v : v;
    next = p + 2;
    return line_int::ok;
}

}  // namespace

void resp_parser::reset() noexcept {
    cursor_ = 0;
    expected_ = -1;
    bulk_len_ = -1;
    spans_.clear();
}

resp_parser::result resp_parser::fail(std::string message) {
    error_ = "Protocol error: " + std::move(message);
    reset();
    return result::error;
}

resp_parser::result resp_parser::parse(std::string_view data, std::size_t& pos) {
    args_.clear();
    if (pos >= data.size()) return result::incomplete;
    if (expected_ < 0) {
        if (data[pos] != '*') return parse_inline(data, pos);
        long long n = 0;
        std::size_t next = 0;
        switch (read_line_int(data, pos + 1, n, next)) {
        case line_int::incomplete:
            return result::incomplete;
        case line_int::invalid:
            return fail("invalid multibulk length");
        case line_int::ok:
            break;
        }
        if (n > static_cast<long long>(limits_.max_args)) return fail("invalid multibulk length");
        if (n <= 0) {  // "*0" and "*-1" are no command at all, as in redis
            pos = next;
            return result::command;
        }
        expected_ = n;
        cursor_ = next - pos;
    }
    while (static_cast<long long>(spans_.size()) < expected_) {
        if (bulk_len_ < 0) {
            const std::size_t p = pos + cursor_;
            if (p >= data.size()) return result::incomplete;
            if (data[p] != '$') return fail(std::string("expected '$', got '") + data[p] + "'");
            long long len = 0;
            std::size_t next = 0;
            switch (read_line_int(data, p + 1, len, next)) {
            case line_int::incomplete:
                return result::incomplete;
            case line_int::invalid:
                return fail("invalid bulk length");
            case line_int::ok:
                break;
            }
            if (len < 0 || static_cast<unsigned long long>(len) > limits_.max_bulk_len)
                return fail("invalid bulk length");
            bulk_len_ = len;
            cursor_ = next - pos;
        }
        const std::size_t len = static_cast<std::size_t>(bulk_len_);
        if (data.size() - pos < cursor_ + len + 2) return result::incomplete;
        spans_.emplace_back(cursor_, len);
        cursor_ += len + 2;  // redis does not check the CRLF after a bulk either
        bulk_len_ = -1;
    }
    for (const auto& [offset, len] : spans_) args_.emplace_back(data.substr(pos + offset, len));
    pos += cursor_;
    reset();
    return result::command;
}

// "SET k v\r\n": whitespace-separated words on one line ("\n" alone ends it
// too, as in redis). Quoting is not supported.
resp_parser::result resp_parser::parse_inline(std::string_view data, std::size_t& pos) {
    const std::size_t nl = data.find('\n', pos + cursor_);
    if (nl == std::string_view::npos) {
        if (data.size() - pos > limits_.max_inline) return fail("too big inline request");
        cursor_ = data.size() - pos;  // scanned already
        return result::incomplete;
    }
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (std::size_t i = 0; i < line.size();) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
        if (j > i) args_.emplace_back(line.substr(i, j - i));
        i = j;
    }
    pos = nl + 1;
    cursor_ = 0;
    return result::command;
}

}  // namespace redis_lite
