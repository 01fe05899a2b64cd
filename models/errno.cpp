// models/errno.cpp
#include "models/errno.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace rw::models {
namespace {
constexpr std::array<std::pair<int, std::string_view>, 15> kNames{{
    {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {EIO, "EIO"}, {ENXIO, "ENXIO"}, {EBADF, "EBADF"}, {EEXIST, "EEXIST"},
    {EWOULDBLOCK, "EWOULDBLOCK"}, {ENOMEM, "ENOMEM"}, {EBUSY, "EBUSY"}, {ENODEV, "ENODEV"},
    {EINVAL, "EINVAL"}, {ENOPROTOOPT, "ENOPROTOOPT"}, {EAFNOSUPPORT, "EAFNOSUPPORT"}, {EINTR, "EINTR"},
    {EWOULDBLOCK, "EAGAIN"},  // accepted on input, printed as EWOULDBLOCK
}};
}  // namespace

std::string errno_text(std::int64_t value) {
  if (value < 0)
    for (const auto& [n, name] : kNames)
      if (-value == n) {
        std::string out(1, '-');  // not "-" + name: g++ 12 warns falsely (-Wrestrict)
        out.append(name);
        return out;
      }
  return std::to_string(value);
}

std::optional<std::int64_t> parse_errno(std::string_view text) {
  if (text.size() > 1 && text[0] == '-' && text[1] == 'E') {
    for (const auto& [n, name] : kNames)
      if (text.substr(1) == name) return -n;
    return std::nullopt;
  }
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace rw::models
