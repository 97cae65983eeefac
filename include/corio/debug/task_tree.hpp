// corio/debug/task_tree.hpp: format_task_tree(), a printable tree of every
// unfinished task of the running loop (like `python -m asyncio pstree`):
// each task with its name, the coroutine it runs and where that coroutine is
// defined, and what it is waiting for right now. Children hang under the
// task that created them; a task whose creator has finished hangs at the top.
#pragma once

#include <string>

namespace corio {

class event_loop;

std::string format_task_tree();                  // the running loop's tasks
std::string format_task_tree(event_loop& loop);  // any loop's (from its own thread)

}  // namespace corio
