// corio/task_group.hpp: task_group (asyncio.TaskGroup), structured concurrency.
//
//   corio::task_group tg;
//   auto t1 = tg.create_task(download("a"));
//   co_await tg.join();  // waits for all; rethrows corio::exception_group
//
// The first failure of a child cancels the other children; join() waits for
// all of them and throws an exception_group holding every non-cancellation
// failure. Unlike asyncio (whose `async with` always reaches __aexit__), the
// group does not cancel the task that owns it: the failure is reported by
// join(). Cancellation: if the task awaiting join() is cancelled, the
// children are cancelled first and join() rethrows cancelled_error once they
// have finished. A task_group destroyed with children still pending cancels them.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "corio/future.hpp"
#include "corio/task.hpp"

namespace corio {

class task_group {
public:
    task_group() = default;
    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;
    ~task_group();

    template <class T>
    task<T> create_task(coro<T> c, std::string name = {}) {
        check_accepting();
        task<T> t = corio::create_task(std::move(c), std::move(name));
        adopt(t);
        return t;
    }

    // Waits for every child; throws exception_group if any failed.
    coro<void> join();

    std::size_t size() const noexcept { return state_->pending.size(); }

private:
    struct state {
        std::vector<task_handle> pending;
        std::vector<std::exception_ptr> errors;
        std::optional<future<void>> all_done;
        bool aborting = false;
        bool joined = false;
    };

    void check_accepting() const;
    void adopt(task_handle t);
    static void child_done(const std::shared_ptr<state>& s, const task_handle& t);
    static void abort(state& s);

    std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace corio
