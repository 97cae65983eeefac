// Child processes: spawning with posix_spawnp, reaping through pidfds.
//
// Spawning: glibc's posix_spawn (a CLONE_VFORK child that runs only the file
// actions and exec, nothing that could deadlock on a lock held by another
// thread of ours) reports exec and file-action failures as its return value
// and reaps the failed child itself, so a missing program is an exception
// here and leaves no zombie. All our own descriptors are O_CLOEXEC, and
// addclosefrom_np(3) closes whatever else the program left inheritable.
//
// Reaping: each child has a pidfd, readable once the child has exited. The
// pid cannot be reused before we reap it, so waitpid(pid) is race-free, and
// signals go through pidfd_send_signal. The per-loop child_watcher owns the
// watch: a child is reaped when it exits even if its process object is gone.
#include "corio/io/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <unordered_map>

#include "corio/debug/logger.hpp"
#include "corio/future.hpp"
#include "corio/gather.hpp"
#include "corio/io/streams.hpp"
#include "corio/loop.hpp"
#include "sockaddr.hpp"

extern char** environ;

namespace corio {
namespace detail {
namespace {

// Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C", and older
// ones have no wrappers.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace

class child_watcher;

struct child_state final : io::io_watcher {
    pid_t pid = -1;
    int pidfd = -1;
    std::optional<int> returncode;
    std::vector<future<int>> waiters;  // one per pending wait(), loop thread only
    child_watcher* watcher = nullptr;  // null once reaped or when the loop is gone
    event_loop* loop = nullptr;        // the loop whose reactor watches the pidfd

    void on_io(std::uint32_t) override;
};

namespace {

int decode(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return 255;
}

}  // namespace

// The loop's set of unreaped children (a loop extension).
class child_watcher {
public:
    explicit child_watcher(event_loop& loop) : loop_(loop) {}
    ~child_watcher() {
        // The loop is closing: nobody will hear about these children any
        // more. Kill and reap them rather than leave zombies or orphans.
        auto live = std::move(live_);
        for (auto& [pid, child] : live) {
            pidfd_send_signal(child->pidfd, SIGKILL);
            int status = 0;
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            child->returncode = decode(status);
            release(*child);
            child->waiters.clear();
            log("corio: subprocess " + std::to_string(pid) + " was still running when its event loop closed: killed");
        }
    }
    child_watcher(const child_watcher&) = delete;
    child_watcher& operator=(const child_watcher&) = delete;

    void watch(const std::shared_ptr<child_state>& child) {
        live_.emplace(child->pid, child);
        child->watcher = this;
        try {
            loop_.reactor().set_reader(child->pidfd, child.get());
        } catch (...) {
            live_.erase(child->pid);
            child->watcher = nullptr;
            throw;
        }
    }

    // The child may have exited: reap it if so.
    void reap(child_state& child) {
        int status = 0;
        pid_t r;
        while ((r = ::waitpid(child.pid, &status, WNOHANG)) < 0 && errno == EINTR) {
        }
        if (r == 0) return;  // not yet (a spurious wake-up)
        if (r < 0) {
            // ECHILD: someone else reaped it (SIGCHLD ignored, or a waitpid(-1)
            // elsewhere). Like asyncio, report and use 255.
            log("corio: unknown exit status of subprocess " + std::to_string(child.pid) +
                " (reaped elsewhere); using 255");
            status = 255 << 8;
        }
        child.returncode = decode(status);
        std::shared_ptr<child_state> keep = live_.at(child.pid);
        live_.erase(child.pid);
        release(child);
        auto waiters = std::move(child.waiters);
        for (auto& w : waiters)
            if (!w.done()) w.set_result(*child.returncode);
    }

private:
    void release(child_state& child) noexcept {
        loop_.reactor().forget(child.pidfd);
        ::close(child.pidfd);
        child.pidfd = -1;
        child.watcher = nullptr;
    }

    event_loop& loop_;
    std::unordered_map<pid_t, std::shared_ptr<child_state>> live_;
};

void child_state::on_io(std::uint32_t) {
    if (watcher) watcher->reap(*this);
}

}  // namespace detail

// --- spawning ----------------------------------------------------------------

namespace {

struct fd_guard {
    int fd = -1;
    fd_guard() = default;
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() { reset(); }
    void reset() noexcept {
        if (fd >= 0) ::close(std::exchange(fd, -1));
    }
    int release() noexcept { return std::exchange(fd, -1); }
};

struct spawn_actions {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    spawn_actions() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~spawn_actions() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    spawn_actions(const spawn_actions&) = delete;
    spawn_actions& operator=(const spawn_actions&) = delete;
};

void check(int err, const char* what) {
    if (err != 0) throw std::system_error(err, std::generic_category(), what);
}

// One end of a pipe kept by the parent (non-blocking) and one for the child,
// neither at 0-2 so that dup2 in the child always really happens.
void make_pipe(fd_guard& parent, fd_guard& child, bool child_reads) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) io::detail::throw_errno("pipe2");
    fd_guard r, w;
    r.fd = fds[0];
    w.fd = fds[1];
    for (fd_guard* g : {&r, &w})
        if (g->fd <= 2) {
            const int moved = ::fcntl(g->fd, F_DUPFD_CLOEXEC, 3);
            if (moved < 0) io::detail::throw_errno("fcntl(F_DUPFD_CLOEXEC)");
            g->reset();
            g->fd = moved;
        }
    fd_guard& mine = child_reads ? w : r;
    if (::fcntl(mine.fd, F_SETFL, ::fcntl(mine.fd, F_GETFL) | O_NONBLOCK) < 0) io::detail::throw_errno("fcntl");
    parent.fd = mine.release();
    child.fd = (child_reads ? r : w).release();
}

struct spawn_request {
    std::string program;  // looked up in PATH
    std::vector<std::string> argv;
    process_options options;
    std::string cwd;
    std::optional<std::vector<std::string>> env;

    spawn_request(std::string_view prog, const process_options& o) : program(prog), options(o), cwd(o.cwd) {
        if (o.env) env.emplace(o.env->begin(), o.env->end());
        options.cwd = {};
        options.env.reset();
    }
};

}  // namespace

struct process_factory {
    static process spawn(spawn_request& req);
};

process process_factory::spawn(spawn_request& req) {
    event_loop& loop = get_running_loop();
    const process_options& o = req.options;
    using kind = stdio_redirect::kind;
    if (o.stdin_.what() == kind::to_stdout || o.stdout_.what() == kind::to_stdout)
        throw std::invalid_argument("corio::to_stdout is only valid for stderr_");
    if (req.program.empty()) throw std::invalid_argument("create_subprocess_exec: empty program name");

    std::vector<char*> argv;
    for (auto& a : req.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    if (req.env) {
        for (auto& e : *req.env) envp.push_back(e.data());
        envp.push_back(nullptr);
    }

    spawn_actions sa;
    fd_guard parent_end[3], child_end[3];
    const stdio_redirect* redirects[3] = {&o.stdin_, &o.stdout_, &o.stderr_};
    for (int target = 0; target < 3; ++target) {
        const stdio_redirect& r = *redirects[target];
        switch (r.what()) {
            case kind::inherit:
                break;
            case kind::pipe:
                make_pipe(parent_end[target], child_end[target], target == 0);
                check(posix_spawn_file_actions_adddup2(&sa.actions, child_end[target].fd, target), "adddup2");
                break;
            case kind::devnull:
                check(posix_spawn_file_actions_addopen(&sa.actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY,
                                                       0),
                      "addopen");
                break;
            case kind::to_stdout:
                check(posix_spawn_file_actions_adddup2(&sa.actions, 1, 2), "adddup2");
                break;
            case kind::fd:
                if (r.fd() < 0) throw std::invalid_argument("invalid file descriptor for a child stream");
                check(posix_spawn_file_actions_adddup2(&sa.actions, r.fd(), target), "adddup2");
                break;
        }
    }
    check(posix_spawn_file_actions_addclosefrom_np(&sa.actions, 3), "addclosefrom_np");
    if (!req.cwd.empty()) check(posix_spawn_file_actions_addchdir_np(&sa.actions, req.cwd.c_str()), "addchdir_np");

    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);  // streams ignore SIGPIPE in this process; children expect the default
    sigaddset(&defaults, SIGXFSZ);
    check(posix_spawnattr_setsigdefault(&sa.attr, &defaults), "posix_spawnattr_setsigdefault");
    short flags = POSIX_SPAWN_SETSIGDEF;
    if (o.start_new_session) flags |= POSIX_SPAWN_SETSID;
    check(posix_spawnattr_setflags(&sa.attr, flags), "posix_spawnattr_setflags");

    pid_t pid = -1;
    const int err = ::posix_spawnp(&pid, req.program.c_str(), &sa.actions, &sa.attr, argv.data(),
                                   req.env ? envp.data() : environ);
    if (err != 0) throw std::system_error(err, std::generic_category(), "cannot run " + req.program);
    for (auto& c : child_end) c.reset();

    auto child = std::make_shared<detail::child_state>();
    child->pid = pid;
    child->loop = &loop;
    child->pidfd = detail::pidfd_open(pid);
    if (child->pidfd < 0) {
        const int e = errno;
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        throw std::system_error(e, std::generic_category(), "pidfd_open (corio needs Linux 5.3 or later)");
    }
    // From here on the child is watched: whatever fails below, it gets reaped.
    loop.extension<detail::child_watcher>().watch(child);

    process p(child);
    if (parent_end[0].fd >= 0) p.stdin_ = process_stream<stream_writer>(open_write_pipe(parent_end[0].release()));
    if (parent_end[1].fd >= 0)
        p.stdout_ = process_stream<stream_reader>(open_read_pipe(parent_end[1].release(), {.limit = o.limit}));
    if (parent_end[2].fd >= 0)
        p.stderr_ = process_stream<stream_reader>(open_read_pipe(parent_end[2].release(), {.limit = o.limit}));
    return p;
}

namespace {

coro<process> spawn_later(std::unique_ptr<spawn_request> req) { co_return process_factory::spawn(*req); }

}  // namespace

coro<process> create_subprocess_exec(std::string_view program, std::span<const std::string> args,
                                     const process_options& options) {
    auto req = std::make_unique<spawn_request>(program, options);
    req->argv.emplace_back(program);
    req->argv.insert(req->argv.end(), args.begin(), args.end());
    return spawn_later(std::move(req));
}

coro<process> create_subprocess_shell(std::string_view cmd, const process_options& options) {
    auto req = std::make_unique<spawn_request>("/bin/sh", options);
    req->argv = {"/bin/sh", "-c", std::string(cmd)};
    return spawn_later(std::move(req));
}

// --- process -----------------------------------------------------------------

process::process(std::shared_ptr<detail::child_state> s) noexcept : s_(std::move(s)) {}
process::process(process&&) noexcept = default;
process& process::operator=(process&&) noexcept = default;
process::~process() = default;

int process::pid() const noexcept { return s_ ? s_->pid : -1; }
std::optional<int> process::returncode() const noexcept { return s_ ? s_->returncode : std::nullopt; }

namespace {

coro<int> wait_for_exit(std::shared_ptr<detail::child_state> s) {
    if (s->returncode) co_return *s->returncode;
    if (!s->watcher || &get_running_loop() != s->loop)
        throw std::runtime_error("process waited for outside the event loop that created it");
    future<int> exited;
    // Drop the futures of waits that were cancelled, so repeated wait_for
    // timeouts do not pile them up.
    std::erase_if(s->waiters, [](const future<int>& f) { return f.done(); });
    s->waiters.push_back(exited);
    co_return co_await exited;
}

}  // namespace

coro<int> process::wait() {
    if (!s_) throw std::logic_error("wait() on a moved-from process");
    return wait_for_exit(s_);
}

namespace {

coro<void> feed_stdin(process_stream<stream_writer> in, std::string input) {
    if (!in) co_return;
    try {
        if (!input.empty()) {
            in.write(input);
            co_await in.drain();
        }
    } catch (const std::system_error& e) {
        // The child exited or closed its stdin without reading everything.
        if (e.code() != std::errc::broken_pipe && e.code() != std::errc::connection_reset) throw;
    }
    in.close();
}

coro<std::string> read_all(process_stream<stream_reader> out) {
    if (!out) co_return std::string();
    co_return co_await out.read();
}

// Holds its own handles, so the process object may move while this runs.
coro<std::pair<std::string, std::string>> communicate_impl(std::shared_ptr<detail::child_state> child,
                                                           process_stream<stream_writer> in,
                                                           process_stream<stream_reader> out,
                                                           process_stream<stream_reader> err, std::string input) {
    auto results = co_await gather(feed_stdin(std::move(in), std::move(input)), read_all(std::move(out)),
                                   read_all(std::move(err)));
    co_await wait_for_exit(std::move(child));
    co_return std::pair<std::string, std::string>(std::move(std::get<1>(results)), std::move(std::get<2>(results)));
}

}  // namespace

coro<std::pair<std::string, std::string>> process::communicate(std::string_view input) {
    if (!input.empty() && !stdin_)
        throw std::invalid_argument("communicate(input) needs a piped stdin (.stdin_ = corio::pipe)");
    if (!s_) throw std::logic_error("communicate() on a moved-from process");
    return communicate_impl(s_, stdin_, stdout_, stderr_, std::string(input));
}

void process::send_signal(int sig) {
    if (!s_ || s_->returncode || s_->pidfd < 0) return;
    if (detail::pidfd_send_signal(s_->pidfd, sig) < 0) {
        if (errno == ESRCH) return;  // exited, not reaped yet
        throw std::system_error(errno, std::generic_category(), "send_signal(" + std::to_string(sig) + ")");
    }
}

void process::terminate() { send_signal(SIGTERM); }
void process::kill() { send_signal(SIGKILL); }

}  // namespace corio
