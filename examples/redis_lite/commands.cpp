#include "commands.hpp"

#include <charconv>
#include <chrono>
#include <limits>

namespace redis_lite {

namespace {

using args_t = std::span<const std::string_view>;
using std::chrono::milliseconds;

bool iequals(std::string_view a, std::string_view lower) noexcept {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

// As redis's string2ll: the whole string, no spaces, no '+'.
bool to_integer(std::string_view s, long long& out) noexcept {
    if (s.empty() || s.size() > 20) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

void append_number(std::string& out, char type, long long n) {
    char buf[24];
    buf[0] = type;
    const auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
    (void)ec;  // 24 bytes always fit a long long
    out.append(buf, end);
    out.append("\r\n", 2);
}

void not_an_integer(std::string& out) { reply_error(out, "ERR value is not an integer or out of range"); }

void cmd_ping(keyspace&, args_t args, time_point, std::string& out) {
    if (args.size() == 1)
        reply_simple(out, "PONG");
    else
        reply_bulk(out, args[1]);
}

void cmd_echo(keyspace&, args_t args, time_point, std::string& out) { reply_bulk(out, args[1]); }

void cmd_get(keyspace& ks, args_t args, time_point now, std::string& out) {
    if (const entry* e = ks.find(args[1], now))
        reply_bulk(out, e->value);
    else
        reply_null(out);
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]
void cmd_set(keyspace& ks, args_t args, time_point now, std::string& out) {
    bool nx = false, xx = false, get = false, keepttl = false;
    time_point expires_at = no_expiry;
    for (std::size_t i = 3; i < args.size(); ++i) {
        const std::string_view opt = args[i];
        const bool has_expiry = expires_at != no_expiry;
        if (iequals(opt, "nx") && !xx) {
            nx = true;
        } else if (iequals(opt, "xx") && !nx) {
            xx = true;
        } else if (iequals(opt, "get")) {
            get = true;
        } else if (iequals(opt, "keepttl") && !has_expiry) {
            keepttl = true;
        } else if ((iequals(opt, "ex") || iequals(opt, "px")) && !has_expiry && !keepttl && i + 1 < args.size()) {
            long long n = 0;
            if (!to_integer(args[++i], n)) return not_an_integer(out);
            const long long unit = opt[0] == 'e' || opt[0] == 'E' ? 1000 : 1;
            if (n <= 0 || n > std::numeric_limits<long long>::max() / unit / 1'000'000)
                return reply_error(out, "ERR invalid expire time in 'set' command");
            expires_at = now + milliseconds(n * unit);
        } else {
            return reply_error(out, "ERR syntax error");
        }
    }
    entry* old = ks.find(args[1], now);
    if (get) {
        if (old)
            reply_bulk(out, old->value);
        else
            reply_null(out);
    }
    if ((nx && old) || (xx && !old)) {
        if (!get) reply_null(out);
        return;
    }
    bool created = false;
    entry* e = old ? old : ks.find_or_insert(args[1], now, created);
    e->value.assign(args[2]);  // reuses the old value's capacity
    if (!keepttl) {
        ks.expiry_changed(e->expires_at, expires_at);
        e->expires_at = expires_at;
    }
    if (!get) reply_simple(out, "OK");
}

void cmd_strlen(keyspace& ks, args_t args, time_point now, std::string& out) {
    const entry* e = ks.find(args[1], now);
    reply_integer(out, e ? static_cast<long long>(e->value.size()) : 0);
}

void cmd_del(keyspace& ks, args_t args, time_point now, std::string& out) {
    long long n = 0;
    for (std::size_t i = 1; i < args.size(); ++i) n += ks.erase(args[i], now);
    reply_integer(out, n);
}

void cmd_exists(keyspace& ks, args_t args, time_point now, std::string& out) {
    long long n = 0;  // a key named twice counts twice, as in redis
    for (std::size_t i = 1; i < args.size(); ++i) n += ks.find(args[i], now) != nullptr;
    reply_integer(out, n);
}

void cmd_incr(keyspace& ks, args_t args, time_point now, std::string& out) {
    bool created = false;
    entry* e = ks.find_or_insert(args[1], now, created);
    long long n = 0;
    if (!created && !to_integer(e->value, n)) return not_an_integer(out);
    if (n == std::numeric_limits<long long>::max())
        return reply_error(out, "ERR increment or decrement would overflow");
    ++n;
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    e->value.assign(buf, end);
    reply_integer(out, n);
}

void cmd_mget(keyspace& ks, args_t args, time_point now, std::string& out) {
    reply_array(out, args.size() - 1);
    for (std::size_t i = 1; i < args.size(); ++i) cmd_get(ks, args.subspan(i - 1, 2), now, out);
}

void reply_ttl(keyspace& ks, args_t args, time_point now, std::string& out, long long unit_ms) {
    const entry* e = ks.find(args[1], now);
    if (!e) return reply_integer(out, -2);
    if (e->expires_at == no_expiry) return reply_integer(out, -1);
    const long long ms = std::chrono::ceil<milliseconds>(e->expires_at - now).count();
    reply_integer(out, (ms + unit_ms / 2) / unit_ms);  // TTL rounds, as redis does
}

void cmd_ttl(keyspace& ks, args_t args, time_point now, std::string& out) { reply_ttl(ks, args, now, out, 1000); }
void cmd_pttl(keyspace& ks, args_t args, time_point now, std::string& out) { reply_ttl(ks, args, now, out, 1); }

void cmd_dbsize(keyspace& ks, args_t, time_point, std::string& out) {
    reply_integer(out, static_cast<long long>(ks.size()));
}

void cmd_quit(keyspace&, args_t, time_point, std::string& out) { reply_simple(out, "OK"); }

struct command {
    std::string_view name;  // lower case, as redis names it in errors
    int arity;              // redis's convention: n exactly, -n at least n
    void (*run)(keyspace&, args_t, time_point, std::string&);
};

// The benchmark's commands first: the lookup is a short linear scan.
constexpr command commands[] = {
    {"get", 2, cmd_get},       {"set", -3, cmd_set},       {"ping", -1, cmd_ping}, {"incr", 2, cmd_incr},
    {"mget", -2, cmd_mget},    {"del", -2, cmd_del},       {"exists", -2, cmd_exists}, {"echo", 2, cmd_echo},
    {"ttl", 2, cmd_ttl},       {"pttl", 2, cmd_pttl},      {"strlen", 2, cmd_strlen},  {"dbsize", 1, cmd_dbsize},
    {"quit", -1, cmd_quit},
};

void unknown_command(args_t args, std::string& out) {
    // redis: ERR unknown command 'foo', with args beginning with: 'a' 'b'
    std::string msg = "ERR unknown command '";
    msg.append(args[0].substr(0, 128));
    msg += "', with args beginning with: ";
    for (std::size_t i = 1; i < args.size() && msg.size() < 256; ++i) {
        msg += '\'';
        msg.append(args[i].substr(0, 128));
        msg += "' ";
    }
    reply_error(out, msg);
}

}  // namespace

void reply_simple(std::string& out, std::string_view s) {
    out += '+';
    out.append(s);
    out.append("\r\n", 2);
}

void reply_error(std::string& out, std::string_view s) {
    out += '-';
    // A line break would end the error early and desynchronise the client.
    for (char c : s) out += c == '\r' || c == '\n' ? ' ' : c;
    out.append("\r\n", 2);
}

void reply_integer(std::string& out, long long n) { append_number(out, ':', n); }

void reply_bulk(std::string& out, std::string_view s) {
    append_number(out, '$', static_cast<long long>(s.size()));
    out.append(s);
    out.append("\r\n", 2);
}

void reply_null(std::string& out) { out.append("$-1\r\n", 5); }

void reply_array(std::string& out, std::size_t n) { append_number(out, '*', static_cast<long long>(n)); }

after_reply execute(keyspace& ks, std::span<const std::string_view> args, time_point now, std::string& out) {
    for (const command& c : commands) {
        if (!iequals(args[0], c.name)) continue;
        const auto argc = static_cast<int>(args.size());
        if (c.arity > 0 ? argc != c.arity : argc < -c.arity) {
            std::string msg = "ERR wrong number of arguments for '";
            msg.append(c.name);
            msg += "' command";
            reply_error(out, msg);
            return after_reply::keep_open;
        }
        c.run(ks, args, now, out);
        return c.run == cmd_quit ? after_reply::close : after_reply::keep_open;
    }
    unknown_command(args, out);
    return after_reply::keep_open;
}

}  // namespace redis_lite
