// redis_lite's commands: PING, ECHO, SET (EX, PX, NX, XX, KEEPTTL, GET), GET,
// DEL, EXISTS, INCR, MGET, STRLEN, TTL, PTTL, DBSIZE and QUIT, with redis's
// replies and error texts (RESP2). A command appends its reply to `out`; nothing is
// allocated per command except what the keyspace keeps (a new key or a
// longer value).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "keyspace.hpp"

namespace redis_lite {

enum class after_reply { keep_open, close };

// Runs one command (args[0] is its name, any case) at time `now`.
after_reply execute(keyspace& ks, std::span<const std::string_view> args, time_point now, std::string& out);

// RESP2 replies.
void reply_simple(std::string& out, std::string_view s);  // +OK
void reply_error(std::string& out, std::string_view s);   // -ERR ... (the text includes the code)
void reply_integer(std::string& out, long long n);        // :42
void reply_bulk(std::string& out, std::string_view s);    // $3\r\nabc
void reply_null(std::string& out);                        // $-1
void reply_array(std::string& out, std::size_t n);        // *n, then n replies

}  // namespace redis_lite
