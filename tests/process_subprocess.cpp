#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/corio.hpp>
#include <corio/io/process.hpp>
#include <fstream>
#include <sstream>

using namespace std::chrono_literals;

namespace {

#define CO_ASSERT_TRUE(cond)    \
    if (!(cond)) {              \
        ADD_FAILURE() << #cond; \
        co_return;              \
    }

// Our children that have exited but were not reaped.
std::vector<int> zombie_children() {
    std::vector<int> zombies;
    DIR* d = ::opendir("/proc");
    if (!d) return zombies;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
        std::string line;
        if (!std::getline(f, line)) continue;
        const auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 1));
        char state = 0;
        int ppid = 0;
        rest >> state >> ppid;
        if (ppid == ::getpid() && state == 'Z') zombies.push_back(std::atoi(e->d_name));
    }
    ::closedir(d);
    return zombies;
}

bool process_exists(int pid) { return ::kill(pid, 0) == 0; }

corio::coro<void> expect_spawn_error(std::string program, std::errc expected, corio::process_options o = {}) {
    std::vector<std::string> none;
    try {
        auto p = co_await corio::create_subprocess_exec(program, none, o);
        ADD_FAILURE() << program << " started (pid " << p.pid() << ")";
        p.kill();
        co_await p.wait();
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), expected) << program << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(program), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(subprocess, echo) {
    corio::run([]() -> corio::coro<void> {
        std::vector<std::string> args{"hello", "world"};
        auto proc = co_await corio::create_subprocess_exec("/bin/echo", args, {.stdout_ = corio::pipe});
        EXPECT_GT(proc.pid(), 0);
        auto [out, err] = co_await proc.communicate();
        EXPECT_EQ(out, "hello world\n");
        EXPECT_EQ(err, "");
        EXPECT_EQ(proc.returncode(), 0);
        EXPECT_EQ(co_await proc.wait(), 0);
    }());
}

TEST(subprocess, api_snippet_with_path_lookup) {
    corio::run([]() -> corio::coro<void> {
        std::vector<std::string> args{"-l", "/"};
        auto proc = co_await corio::create_subprocess_exec("ls", args, {.stdout_ = corio::pipe});
        auto [out, err] = co_await proc.communicate();
        int code = co_await proc.wait();
        EXPECT_EQ(code, 0);
        EXPECT_NE(out.find("tmp"), std::string::npos);
    }());
}

TEST(subprocess, cat_fed_by_communicate) {
    corio::run([]() -> corio::coro<void> {
        auto proc = co_await corio::create_subprocess_exec(
            "cat", {}, {.stdin_ = corio::pipe, .stdout_ = corio::pipe, .stderr_ = corio::pipe});
        auto [out, err] = co_await proc.communicate("input\nlines\n");
        EXPECT_EQ(out, "input\nlines\n");
        EXPECT_EQ(err, "");
        EXPECT_EQ(co_await proc.wait(), 0);
    }());
}

TEST(subprocess, exit_codes) {
    corio::run([]() -> corio::coro<void> {
        std::vector<std::string> args{"-c", "exit 3"};
        auto a = co_await corio::create_subprocess_exec("sh", args);
        EXPECT_EQ(co_await a.wait(), 3);
        auto b = co_await corio::create_subprocess_shell("exit 42");
        EXPECT_EQ(co_await b.wait(), 42);
        auto c = co_await corio::create_subprocess_shell("kill -TERM $$");
        EXPECT_EQ(co_await c.wait(), -SIGTERM);
        auto d = co_await corio::create_subprocess_shell("definitely-not-a-command-xyz 2>/dev/null");
        EXPECT_EQ(co_await d.wait(), 127);  // the shell's "not found"
    }());
}

TEST(subprocess, kill_terminate_send_signal) {
    corio::run([]() -> corio::coro<void> {
        std::vector<std::string> args{"100"};
        auto a = co_await corio::create_subprocess_exec("sleep", args);
        EXPECT_EQ(a.returncode(), std::nullopt);
        a.kill();
        EXPECT_EQ(co_await a.wait(), -SIGKILL);
        EXPECT_EQ(a.returncode(), -9);
        a.kill();  // already reaped: nothing happens
        a.send_signal(SIGTERM);

        auto b = co_await corio::create_subprocess_exec("sleep", args);
        b.terminate();
        EXPECT_EQ(co_await b.wait(), -SIGTERM);

        auto c = co_await corio::create_subprocess_exec("sleep", args);
        c.send_signal(SIGUSR1);
        EXPECT_EQ(co_await c.wait(), -SIGUSR1);

        auto d = co_await corio::create_subprocess_exec("sleep", args);
        EXPECT_THROW(d.send_signal(12345), std::system_error);
        d.kill();
        EXPECT_EQ(co_await d.wait(), -SIGKILL);
    }());
}

TEST(subprocess, shell_pipeline) {
    corio::run([]() -> corio::coro<void> {
        auto proc = co_await corio::create_subprocess_shell("printf 'b\\na\\nc\\n' | sort | tr a-z A-Z",
                                                            {.stdout_ = corio::pipe});
        auto [out, err] = co_await proc.communicate();
        EXPECT_EQ(out, "A\nB\nC\n");
        EXPECT_EQ(proc.returncode(), 0);
    }());
}

TEST(subprocess, programs_that_cannot_run) {
    corio::run([]() -> corio::coro<void> {
        co_await expect_spawn_error("definitely-not-a-program-xyz", std::errc::no_such_file_or_directory);
        co_await expect_spawn_error("/nonexistent/dir/prog", std::errc::no_such_file_or_directory);
        char not_executable[] = "/tmp/corio-not-executable-XXXXXX";
        const int fd = ::mkstemp(not_executable);  // mode 0600
        CO_ASSERT_TRUE(fd >= 0);
        ::close(fd);
        co_await expect_spawn_error(not_executable, std::errc::permission_denied);
        ::unlink(not_executable);
        co_await expect_spawn_error("true", std::errc::no_such_file_or_directory, {.cwd = "/nonexistent-dir"});
        EXPECT_TRUE(zombie_children().empty());  // posix_spawn reaped the failed children
        EXPECT_THROW(co_await corio::create_subprocess_exec(""), std::invalid_argument);
        EXPECT_THROW(co_await corio::create_subprocess_exec("true", {}, {.stdout_ = corio::to_stdout}),
                     std::invalid_argument);
    }());
}

TEST(subprocess, no_zombies) {
    std::vector<int> dropped;
    corio::run([&]() -> corio::coro<void> {
        for (int i = 0; i < 100; ++i) {
            auto p = co_await corio::create_subprocess_exec("true");
            EXPECT_EQ(co_await p.wait(), 0);
        }
        // Never waited for: still reaped as they exit.
        for (int i = 0; i < 50; ++i) {
            auto p = co_await corio::create_subprocess_exec("true");
            dropped.push_back(p.pid());
        }
        // Bounded poll (no event to wait on: nobody holds these processes).
        for (int spins = 0; spins < 5000; ++spins) {
            bool any = false;
            for (int pid : dropped) any = any || process_exists(pid);
            if (!any) break;
            co_await corio::sleep(1ms);
        }
        for (int pid : dropped) EXPECT_FALSE(process_exists(pid)) << pid;
        EXPECT_TRUE(zombie_children().empty());
    }());
    EXPECT_TRUE(zombie_children().empty());
}

TEST(subprocess, megabytes_both_ways_without_deadlock) {
    corio::run([]() -> corio::coro<void> {
        std::string input(6 * 1024 * 1024, '\0');
        for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>('a' + i % 26);
        // cat echoes stdin while the shell also floods stderr: every pipe fills up.
        auto proc = co_await corio::create_subprocess_shell(
            "cat; head -c 3000000 /dev/zero | tr '\\0' x >&2",
            {.stdin_ = corio::pipe, .stdout_ = corio::pipe, .stderr_ = corio::pipe});
        auto [out, err] = co_await proc.communicate(input);
        EXPECT_EQ(out.size(), input.size());
        EXPECT_TRUE(out == input);
        EXPECT_EQ(err, std::string(3000000, 'x'));
        EXPECT_EQ(proc.returncode(), 0);
    }());
}

TEST(subprocess, interactive_streams) {
    corio::run([]() -> corio::coro<void> {
        auto proc = co_await corio::create_subprocess_exec("cat", {}, {.stdin_ = corio::pipe, .stdout_ = corio::pipe});
        EXPECT_TRUE(proc.stdin_);
        EXPECT_TRUE(proc.stdout_);
        EXPECT_FALSE(proc.stderr_);
        EXPECT_THROW((void)proc.stderr_->read(), std::logic_error);
        for (int i = 0; i < 3; ++i) {
            proc.stdin_.write("line " + std::to_string(i) + "\n");
            co_await proc.stdin_.drain();
            EXPECT_EQ(co_await proc.stdout_.readline(), "line " + std::to_string(i) + "\n");
        }
        proc.stdin_->close();
        EXPECT_EQ(co_await proc.stdout_->read(), "");  // EOF once cat exits
        EXPECT_EQ(co_await proc.wait(), 0);
    }());
}

TEST(subprocess, redirections) {
    corio::run([]() -> corio::coro<void> {
        auto merged = co_await corio::create_subprocess_shell(
            "echo out; echo err >&2", {.stdout_ = corio::pipe, .stderr_ = corio::to_stdout});
        auto [out, err] = co_await merged.communicate();
        EXPECT_EQ(out, "out\nerr\n");
        EXPECT_EQ(err, "");

        auto quiet = co_await corio::create_subprocess_exec("cat", {}, {.stdin_ = corio::devnull, .stdout_ = corio::pipe});
        auto [o2, e2] = co_await quiet.communicate();
        EXPECT_EQ(o2, "");
        EXPECT_EQ(quiet.returncode(), 0);

        // A descriptor of ours as the child's stdout.
        int fds[2];
        CO_ASSERT_TRUE(::pipe2(fds, O_CLOEXEC) == 0);
        auto to_fd = co_await corio::create_subprocess_shell("echo via-fd", {.stdout_ = fds[1]});
        ::close(fds[1]);
        EXPECT_EQ(co_await to_fd.wait(), 0);
        char buf[64] = {};
        EXPECT_EQ(::read(fds[0], buf, sizeof buf), 7);
        EXPECT_STREQ(buf, "via-fd\n");
        ::close(fds[0]);

        EXPECT_THROW((void)quiet.communicate("x"), std::invalid_argument);  // stdin is not a pipe
    }());
}

TEST(subprocess, environment_cwd_session) {
    corio::run([]() -> corio::coro<void> {
        std::vector<std::string> env{"FOO=bar", "PATH=/usr/bin:/bin"};
        auto e = co_await corio::create_subprocess_exec("env", {}, {.stdout_ = corio::pipe, .env = env});
        auto [out, err] = co_await e.communicate();
        EXPECT_EQ(out, "FOO=bar\nPATH=/usr/bin:/bin\n");

        auto p = co_await corio::create_subprocess_exec("pwd", {}, {.stdout_ = corio::pipe, .cwd = "/tmp"});
        auto [dir, e2] = co_await p.communicate();
        EXPECT_EQ(dir, "/tmp\n");

        std::vector<std::string> stat{"/proc/self/stat"};
        auto s = co_await corio::create_subprocess_exec("cat", stat, {.stdout_ = corio::pipe, .start_new_session = true});
        auto [line, e3] = co_await s.communicate();
        std::istringstream fields(line.substr(line.rfind(')') + 2));
        char state;
        int ppid, pgrp, session;
        fields >> state >> ppid >> pgrp >> session;
        EXPECT_EQ(session, s.pid());
        EXPECT_EQ(ppid, ::getpid());
    }());
}

TEST(subprocess, child_gets_clean_descriptors_and_signals) {
    corio::run([]() -> corio::coro<void> {
        const int leaky = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC
        CO_ASSERT_TRUE(leaky > 2);
        auto probe = co_await corio::create_subprocess_shell("test -e /proc/self/fd/" + std::to_string(leaky));
        EXPECT_EQ(co_await probe.wait(), 1);  // not inherited
        ::close(leaky);

        // Pipes make this process ignore SIGPIPE; the child has the default back.
        std::vector<std::string> status{"/proc/self/status"};
        auto s = co_await corio::create_subprocess_exec("cat", status, {.stdout_ = corio::pipe});
        auto [text, err] = co_await s.communicate();
        const auto at = text.find("SigIgn:");
        CO_ASSERT_TRUE(at != std::string::npos);
        const unsigned long long ignored = std::stoull(text.substr(at + 7), nullptr, 16);
        EXPECT_EQ(ignored & (1ull << (SIGPIPE - 1)), 0u);
    }());
}

TEST(subprocess, cancelled_wait_leaves_the_child_watched) {
    corio::run([]() -> corio::coro<void> {
        std::vector<std::string> args{"100"};
        auto proc = co_await corio::create_subprocess_exec("sleep", args);
        for (int i = 0; i < 3; ++i) {
            auto w = corio::create_task(proc.wait());
            co_await corio::sleep(0s);
            w.cancel();
            EXPECT_THROW(co_await w, corio::cancelled_error);
        }
        EXPECT_EQ(proc.returncode(), std::nullopt);
        // Two waiters at once both get the status.
        auto w1 = corio::create_task(proc.wait());
        auto w2 = corio::create_task(proc.wait());
        co_await corio::sleep(0s);
        proc.kill();
        EXPECT_EQ(co_await w1, -SIGKILL);
        EXPECT_EQ(co_await w2, -SIGKILL);
    }());
}

TEST(subprocess, cancelled_communicate) {
    corio::run([]() -> corio::coro<void> {
        auto proc = co_await corio::create_subprocess_exec("cat", {}, {.stdin_ = corio::pipe, .stdout_ = corio::pipe});
        auto c = corio::create_task(proc.communicate());  // cat waits for stdin's EOF... which comes at once
        // Not through a shell: killing sh would leave its sleep holding our stderr.
        std::vector<std::string> args{"100"};
        auto blocked = co_await corio::create_subprocess_exec("sleep", args, {.stdout_ = corio::pipe});
        auto b = corio::create_task(blocked.communicate());
        co_await corio::sleep(1ms);
        b.cancel();
        EXPECT_THROW(co_await b, corio::cancelled_error);
        EXPECT_EQ(blocked.returncode(), std::nullopt);  // still running
        blocked.kill();
        EXPECT_EQ(co_await blocked.wait(), -SIGKILL);
        auto [out, err] = co_await c;
        EXPECT_EQ(out, "");
    }());
}

TEST(subprocess, many_at_once) {
    corio::run([]() -> corio::coro<void> {
        std::vector<corio::task<std::pair<std::string, std::string>>> runs;
        std::vector<corio::process> procs;
        for (int i = 0; i < 20; ++i) {
            procs.push_back(co_await corio::create_subprocess_shell("echo " + std::to_string(i),
                                                                    {.stdout_ = corio::pipe}));
        }
        for (auto& p : procs) runs.push_back(corio::create_task(p.communicate()));
        for (int i = 0; i < 20; ++i) {
            auto [out, err] = co_await runs[i];
            EXPECT_EQ(out, std::to_string(i) + "\n");
        }
    }());
}

TEST(subprocess, loop_close_kills_and_reaps_running_children) {
    std::vector<std::string> reports;
    auto previous = corio::set_logger([&](std::string_view m) { reports.emplace_back(m); });
    int pid = -1;
    auto proc = corio::run([&]() -> corio::coro<corio::process> {
        std::vector<std::string> args{"100"};
        auto p = co_await corio::create_subprocess_exec("sleep", args);
        pid = p.pid();
        co_return p;  // never waited for
    }());
    corio::set_logger(previous);
    EXPECT_FALSE(process_exists(pid));  // killed and reaped: not even a zombie
    EXPECT_EQ(proc.returncode(), -SIGKILL);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find(std::to_string(pid)), std::string::npos);
    EXPECT_TRUE(zombie_children().empty());
}
