// Seed 004 (Effective Python, item 60): the Game of Life where game_logic
// does real I/O. Each cell's next state comes from a rule server over TCP;
// simulate fans out one step_cell coroutine per cell and gathers them (fan-in),
// all on one thread, with no lock on the grid.
//
//   async def step_cell(y, x, get, set):
//       state = get(y, x)
//       neighbors = count_neighbors(y, x, get)
//       next_state = await game_logic(state, neighbors)
//       set(y, x, next_state)
//
//   for i in range(5):
//       columns.append(str(grid))
//       grid = asyncio.run(simulate(grid))   # a new event loop per generation
//
// The program first starts its own rule server (corio::start_server on
// 127.0.0.1, port 0) on a thread with its own loop, as if it were a remote
// service; game_logic opens a connection, writes "<state> <neighbors>\n" and
// reads the next state line.
//
//   seed004_game_of_life                 the five generations (as the seed)
//   seed004_game_of_life --async-count   the same with count_neighbors async too
//   seed004_game_of_life --fail          the rule server fails: game_logic raises
//                                        "I/O 문제 발생", which reaches the caller
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <corio/corio.hpp>

namespace {

constexpr char ALIVE = '*';
constexpr char EMPTY = '-';

class grid {
public:
    grid(int h, int w) : height(h), width(w), rows(h, std::string(w, EMPTY)) {}

    // Wraps around at the edges, as Python's % does for negative indices.
    char get(int y, int x) const { return rows[wrap(y, height)][wrap(x, width)]; }
    void set(int y, int x, char state) { rows[wrap(y, height)][wrap(x, width)] = state; }

    std::string str() const {
        std::string output;
        for (const std::string& row : rows) output += row + '\n';
        return output;
    }

    int height, width;

private:
    static int wrap(int i, int n) { return ((i % n) + n) % n; }
    std::vector<std::string> rows;
};

using getter = std::function<char(int, int)>;
using setter = std::function<void(int, int, char)>;

int count_neighbors(int y, int x, const getter& get) {
    const char n_ = get(y - 1, x + 0);  // North
    const char ne = get(y - 1, x + 1);  // Northeast
    const char e_ = get(y + 0, x + 1);  // East
    const char se = get(y + 1, x + 1);  // Southeast
    const char s_ = get(y + 1, x + 0);  // South
    const char sw = get(y + 1, x - 1);  // Southwest
    const char w_ = get(y + 0, x - 1);  // West
    const char nw = get(y - 1, x - 1);  // Northwest
    int count = 0;
    for (char state : {n_, ne, e_, se, s_, sw, w_, nw})
        if (state == ALIVE) ++count;
    return count;
}

// "Later, count_neighbors needs I/O too": the same body as a coroutine, and
// step_cell awaits it.
corio::coro<int> count_neighbors_async(int y, int x, getter get) { co_return count_neighbors(y, x, get); }

// --- the rule server: the book's synchronous game_logic, behind a socket ----

char rule(char state, int neighbors) {
    if (state == ALIVE) {
        if (neighbors < 2) return EMPTY;  // Die: Too few
        if (neighbors > 3) return EMPTY;  // Die: Too many
    } else if (neighbors == 3) {
        return ALIVE;  // Regenerate
    }
    return state;
}

bool server_broken = false;  // --fail: every request gets an error line

// One request per connection: "<state> <neighbors>\n" -> "<next state>\n",
// or "ERR ...\n" for anything else.
corio::coro<void> serve_rule(corio::stream_reader reader, corio::stream_writer writer) {
    const std::string line = co_await reader.readline();
    char state = 0;
    int neighbors = -1;
    char end = 0;
    const bool ok = std::sscanf(line.c_str(), "%c %d%c", &state, &neighbors, &end) == 3 && end == '\n' &&
                    (state == ALIVE || state == EMPTY) && neighbors >= 0 && neighbors <= 8;
    if (server_broken || !ok)
        writer.write("ERR disk on fire\n");
    else
        writer.write(std::string{rule(state, neighbors), '\n'});
    co_await writer.drain();
    writer.close();
}

// The rule server on its own thread and loop; stop() closes it and joins.
class rule_server {
public:
    rule_server() {
        std::promise<std::pair<corio::event_loop*, corio::server>> started;
        auto ready = started.get_future();
        thread_ = std::thread([&started] { corio::run(serve(started)); });
        std::tie(loop_, server_) = ready.get();
        port = server_->port();
    }
    ~rule_server() {
        // The last handle to the server goes on its own thread.
        loop_->call_soon_threadsafe([s = std::move(*server_)]() mutable { s.close(); });
        thread_.join();
    }

    int port = 0;

private:
    static corio::coro<void> serve(std::promise<std::pair<corio::event_loop*, corio::server>>& started) {
        auto server = co_await corio::start_server(serve_rule, "127.0.0.1", 0);
        started.set_value({&corio::get_running_loop(), server});
        co_await server.serve_forever();
    }

    std::thread thread_;
    corio::event_loop* loop_ = nullptr;
    std::optional<corio::server> server_;
};

int rule_port = 0;

// --- the seed's coroutines ---------------------------------------------------

corio::coro<char> game_logic(char state, int neighbors) {
    // Do some I/O in here: ask the rule server.
    auto [reader, writer] = co_await corio::open_connection("127.0.0.1", rule_port);
    writer.write(std::string{state, ' '} + std::to_string(neighbors) + '\n');
    co_await writer.drain();
    const std::string answer = co_await reader.readline();
    writer.close();
    if (answer.size() != 2 || answer[1] != '\n' || (answer[0] != ALIVE && answer[0] != EMPTY))
        throw std::system_error(EIO, std::generic_category(), "I/O 문제 발생");
    co_return answer[0];
}

bool async_count = false;  // --async-count

corio::coro<void> step_cell(int y, int x, getter get, setter set) {
    const char state = get(y, x);
    const int neighbors = async_count ? co_await count_neighbors_async(y, x, get) : count_neighbors(y, x, get);
    const char next_state = co_await game_logic(state, neighbors);
    set(y, x, next_state);
}

corio::coro<grid> simulate(grid g) {
    grid next_grid(g.height, g.width);
    const getter get = [&g](int y, int x) { return g.get(y, x); };
    const setter set = [&next_grid](int y, int x, char state) { next_grid.set(y, x, state); };

    std::vector<corio::coro<void>> tasks;
    for (int y = 0; y < g.height; ++y)
        for (int x = 0; x < g.width; ++x) tasks.push_back(step_cell(y, x, get, set));  // Fan out

    co_await corio::gather(std::move(tasks));  // Fan in
    co_return next_grid;
}

class column_printer {
public:
    void append(std::string data) { columns.push_back(split_lines(data)); }

    std::string str() const {
        std::size_t row_count = 1;
        for (const auto& lines : columns) row_count = std::max(row_count, lines.size() + 1);
        std::vector<std::string> rows(row_count);
        for (std::size_t j = 0; j < row_count; ++j) {
            for (std::size_t i = 0; i < columns.size(); ++i) {
                const std::string& line = columns[i][j == 0 ? 0 : j - 1];
                if (j == 0) {
                    const std::string padding(line.size() / 2, ' ');
                    rows[j] += padding + std::to_string(i) + padding;
                } else {
                    rows[j] += line;
                }
                if (i + 1 < columns.size()) rows[j] += " | ";
            }
        }
        std::string out;
        for (std::size_t j = 0; j < rows.size(); ++j) out += (j ? "\n" : "") + rows[j];
        return out;
    }

private:
    static std::vector<std::string> split_lines(const std::string& data) {
        std::vector<std::string> lines;
        std::size_t start = 0;
        for (std::size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1)
            lines.push_back(data.substr(start, nl - start));
        if (start < data.size()) lines.push_back(data.substr(start));
        return lines;
    }
    std::vector<std::vector<std::string>> columns;
};

}  // namespace

int main(int argc, char** argv) {
    bool fail = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--async-count") == 0) {
            async_count = true;
        } else if (std::strcmp(argv[i], "--fail") == 0) {
            fail = true;
        } else {
            std::fprintf(stderr, "usage: %s [--async-count | --fail]\n", argv[0]);
            return 2;
        }
    }
    server_broken = fail;
    rule_server rules;
    rule_port = rules.port;

    if (fail) {
        // asyncio.run(game_logic(ALIVE, 3)) ends in "OSError: I/O 문제 발생":
        // the exception reaches whoever awaits the coroutine, here run().
        try {
            corio::run(game_logic(ALIVE, 3));
        } catch (const std::system_error& e) {
            std::printf("Traceback ...\nstd::system_error: %s\n", e.what());
            return 1;
        }
        return 0;
    }

    grid g(5, 9);
    g.set(0, 3, ALIVE);
    g.set(1, 4, ALIVE);
    g.set(2, 2, ALIVE);
    g.set(2, 3, ALIVE);
    g.set(2, 4, ALIVE);

    column_printer columns;
    for (int i = 0; i < 5; ++i) {
        columns.append(g.str());
        g = corio::run(simulate(g));  // Run the event loop
    }
    std::printf("%s\n", columns.str().c_str());
}
