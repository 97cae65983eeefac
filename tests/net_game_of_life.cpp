// Seed 004's Game of Life (examples/seed004_game_of_life.cpp), where every
// cell asks a rule server over TCP: the program must print exactly the
// table the Python original prints, with count_neighbors plain or async,
// and its --fail mode must surface game_logic's error as the seed's
// traceback does.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {

struct program_result {
    std::string output;
    int status = -1;
};

program_result run_example(const std::string& args) {
    const std::string command = std::string(CORIO_GAME_OF_LIFE) + " " + args;
    program_result result;
    FILE* out = ::popen(command.c_str(), "r");
    if (!out) return result;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) result.output.append(buf, n);
    const int status = ::pclose(out);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// What `python3` prints for the seed's program (trailing spaces included).
const std::string python_table =
    "    0     |     1     |     2     |     3     |     4    \n"
    "---*----- | --------- | --------- | --------- | ---------\n"
    "----*---- | --*-*---- | ----*---- | ---*----- | ----*----\n"
    "--***---- | ---**---- | --*-*---- | ----**--- | -----*---\n"
    "--------- | ---*----- | ---**---- | ---**---- | ---***---\n"
    "--------- | --------- | --------- | --------- | ---------\n";

TEST(net_game_of_life, prints_the_five_generations_of_the_seed) {
    const program_result r = run_example("2>&1");  // and nothing on stderr
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, python_table);
}

TEST(net_game_of_life, async_count_neighbors_gives_the_same_table) {
    const program_result r = run_example("--async-count 2>&1");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, python_table);
}

TEST(net_game_of_life, game_logic_error_reaches_the_caller) {
    const program_result r = run_example("--fail 2>&1");  // nothing on stderr either
    EXPECT_EQ(r.status, 1);  // as an uncaught OSError ends the Python program
    EXPECT_EQ(r.output, "Traceback ...\nstd::system_error: I/O 문제 발생: Input/output error\n");
}

TEST(net_game_of_life, rejects_unknown_flags) {
    EXPECT_EQ(run_example("--bogus 2>/dev/null").status, 2);
}

}  // namespace
