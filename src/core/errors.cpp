#include "corio/errors.hpp"

namespace corio {

exception_group::exception_group(std::string message, std::vector<std::exception_ptr> exceptions)
    : exceptions_(std::move(exceptions)) {
    what_ = std::move(message);
    what_.append(" (").append(std::to_string(exceptions_.size())).append(" sub-exception");
    what_.append(exceptions_.size() == 1 ? ")" : "s)");
    for (const auto& e : exceptions_) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            what_.append("\n  - ").append(ex.what());
        } catch (...) {
            what_ += "\n  - (non-standard exception)";
        }
    }
}

incomplete_read_error::incomplete_read_error(std::string partial, std::size_t expected)
    : std::runtime_error(std::to_string(partial.size()) + " bytes read on a total of " +
                         std::to_string(expected) + " expected bytes"),
      partial_(std::move(partial)),
      expected_(expected) {}

}  // namespace corio
