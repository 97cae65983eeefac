#include "corio/debug/task_tree.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "corio/loop.hpp"

namespace corio {
namespace {

std::string describe(const detail::task_base& t) {
    std::string line = t.name();
    const auto where = t.where();
    if (detail::known(where)) {
        line += " ";
        line += where.function_name();
        line.append(" (").append(where.file_name()).append(":").append(std::to_string(where.line())).append(")");
    }
    line.append(" -> ").append(t.parked_on() ? t.parked_on()->describe() : std::string("ready"));
    if (t.cancelling() > 0) line += " [cancelling]";
    return line;
}

}  // namespace

std::string format_task_tree(event_loop& loop) {
    std::vector<const detail::task_base*> tasks;
    std::set<std::uint64_t> live;
    for (auto* t = loop.first_task(); t; t = t->next_live) {
        tasks.push_back(t);
        live.insert(t->id());
    }
    std::sort(tasks.begin(), tasks.end(), [](auto* a, auto* b) { return a->id() < b->id(); });
    std::map<std::uint64_t, std::vector<const detail::task_base*>> children;
    std::vector<const detail::task_base*> roots;
    for (auto* t : tasks) {
        if (live.count(t->parent_id()))
            children[t->parent_id()].push_back(t);
        else
            roots.push_back(t);
    }
    std::string out;
    std::function<void(const detail::task_base*, const std::string&, bool)> walk =
        [&](const detail::task_base* t, const std::string& prefix, bool last) {
            out.append(prefix).append(last ? "└── " : "├── ").append(describe(*t)).append("\n");
            const auto& kids = children[t->id()];
            for (std::size_t i = 0; i < kids.size(); ++i)
                walk(kids[i], prefix + (last ? "    " : "│   "), i + 1 == kids.size());
        };
    for (std::size_t i = 0; i < roots.size(); ++i) walk(roots[i], "", i + 1 == roots.size());
    return out;
}

std::string format_task_tree() { return format_task_tree(get_running_loop()); }

}  // namespace corio
