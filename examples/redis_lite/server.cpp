#include "server.hpp"

#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <corio/corio.hpp>

#include "commands.hpp"

namespace redis_lite {

struct server_state {
    explicit server_state(options o) : opts(std::move(o)) {}
    options opts;
    keyspace keys;
    std::optional<corio::server> listener;
    std::optional<corio::task<void>> sweeper;
};

namespace {

// One client's buffers, reused for every batch: unparsed input and replies.
struct connection {
    explicit connection(server_state& s) : state(s), parser(s.opts.limits) {}

    enum class step { need_data, flush_and_continue, close };

    // Appends a read to the unparsed input; a chunk that arrives with
    // nothing pending is adopted as is, without a copy.
    void feed(std::string&& chunk) {
        if (pos == in.size()) {
            in = std::move(chunk);
        } else {
            in.erase(0, pos);
            in.append(chunk);
        }
        pos = 0;
    }

    // Runs every complete command in the input, appending the replies to
    // `out`, until the input runs out or `out` is due for a flush.
    step run_commands() {
        const time_point now = corio::clock::now();  // one clock read per batch
        for (;;) {
            switch (parser.parse(in, pos)) {
            case resp_parser::result::incomplete:
                if (in.size() - pos > state.opts.max_query_buffer) {
                    reply_error(out, "ERR Protocol error: query buffer limit exceeded");
                    return step::close;
                }
                return step::need_data;
            case resp_parser::result::error:
                reply_error(out, "ERR " + parser.error());
                return step::close;
            case resp_parser::result::command:
                break;
            }
            const auto& args = parser.args();
            if (!args.empty() && execute(state.keys, args, now, out) == after_reply::close) return step::close;
            if (out.size() >= state.opts.flush_bytes) return step::flush_and_continue;
        }
    }

    server_state& state;
    resp_parser parser;
    std::string in;
    std::size_t pos = 0;
    std::string out;
};

corio::coro<void> serve_client(std::shared_ptr<server_state> state, corio::stream_reader reader,
                               corio::stream_writer writer) {
    if (!state) {  // accepted while the server was being destroyed
        writer.close();
        co_return;
    }
    connection conn(*state);
    const auto read_size = static_cast<std::ptrdiff_t>(state->opts.read_size);
    try {
        for (;;) {
            const connection::step step = conn.run_commands();
            if (!conn.out.empty()) {
                writer.write(conn.out);
                conn.out.clear();
                co_await writer.drain();
            }
            if (step == connection::step::close) break;
            if (step == connection::step::flush_and_continue) continue;
            std::string chunk = co_await reader.read(read_size);
            if (chunk.empty()) break;  // the client closed
            conn.feed(std::move(chunk));
        }
    } catch (const std::system_error&) {
        // The client reset the connection: nothing left to answer.
    }
    writer.close();
}

// Holds the state weakly: the state owns this task (and the listener owns
// the client callback), so strong references would form cycles.
corio::coro<void> sweep_expired(std::weak_ptr<server_state> weak, std::chrono::milliseconds interval) {
    for (;;) {
        co_await corio::sleep(interval);
        const std::shared_ptr<server_state> state = weak.lock();
        if (!state) co_return;
        // As redis's expire cycle: keep going while a good share of what was
        // examined had expired, within a bounded number of rounds.
        const std::size_t budget = state->opts.sweep_budget;
        std::size_t erased = 0;
        int rounds = 0;
        do {
            erased = state->keys.sweep(corio::clock::now(), budget);
        } while (erased > budget / 8 && ++rounds < 16);
    }
}

}  // namespace

corio::coro<instance> instance::start(options opts) {
    auto state = std::make_shared<server_state>(std::move(opts));
    // A plain lambda returning the coroutine: the state travels by value into
    // the coroutine's frame (a coroutine lambda's captures would die with
    // it). Captured weakly, since the state owns the listener that owns this.
    auto on_client = [weak = std::weak_ptr<server_state>(state)](corio::stream_reader r, corio::stream_writer w) {
        return serve_client(weak.lock(), std::move(r), std::move(w));
    };
    state->listener = co_await corio::start_server(on_client, state->opts.host, state->opts.port,
                                                   {.backlog = 511});  // redis's tcp-backlog
    state->sweeper = corio::create_task(sweep_expired(state, state->opts.sweep_interval), "redis_lite.sweep");
    co_return instance(std::move(state));
}

std::uint16_t instance::port() const { return s_->listener ? s_->listener->port() : 0; }

keyspace& instance::keys() noexcept { return s_->keys; }

corio::coro<void> instance::serve_forever() {
    try {
        co_await s_->listener->serve_forever();
    } catch (const corio::cancelled_error&) {
        close();
        throw;
    }
    close();
}

void instance::close() {
    if (s_->sweeper) s_->sweeper->cancel();
    if (s_->listener) {
        s_->listener->close();
        s_->listener->close_clients();
    }
}

}  // namespace redis_lite
