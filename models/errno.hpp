// models/errno.hpp: the kernel's error numbers (include/uapi/asm-generic/errno-base.h,
// errno.h) that our models return, and their names for reports and scenario files.
#pragma once
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rw::models {

// Linux's userspace errno values are the kernel's (asm-generic/errno-base.h, errno.h), so the
// models use <cerrno>'s names; these checks keep that true.
static_assert(EPERM == 1 && ENOENT == 2 && EIO == 5 && ENXIO == 6 && EBADF == 9 && EEXIST == 17);
static_assert(EWOULDBLOCK == 11 && EAGAIN == 11 && ENOMEM == 12 && EBUSY == 16 && ENODEV == 19 && EINVAL == 22);
static_assert(EINTR == 4 && ENOPROTOOPT == 92 && EAFNOSUPPORT == 97);

// "-EBUSY" for -16; other values as decimal numbers.
std::string errno_text(std::int64_t value);
// Parses "0", "-16", "-EBUSY"; nullopt when it is neither a number nor a known name.
std::optional<std::int64_t> parse_errno(std::string_view text);

}  // namespace rw::models
