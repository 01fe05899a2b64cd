// engine/bytes.hpp: a flat little-endian encoding of words and strings, for checkpoints: a
// writer that appends to a string, and a reader that fails (ok() false) rather than read past
// the end or take a length it cannot hold.
#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rw::engine {

class ByteWriter {
 public:
  void u64(std::uint64_t v) { data_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void words(std::span<const std::uint64_t> w) {
    u64(w.size());
    data_.append(reinterpret_cast<const char*>(w.data()), w.size_bytes());
  }
  void str(std::string_view s) {
    u64(s.size());
    data_.append(s);
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  std::uint64_t u64() {
    std::uint64_t v = 0;
    if (!take(sizeof v)) return 0;
    std::memcpy(&v, data_.data() + at_ - sizeof v, sizeof v);
    return v;
  }
  std::vector<std::uint64_t> words() {
    const std::uint64_t n = u64();
    std::vector<std::uint64_t> w;
    if (!ok_ || n > (data_.size() - at_) / sizeof(std::uint64_t)) return fail(w);
    w.resize(n);
    std::memcpy(w.data(), data_.data() + at_, n * sizeof(std::uint64_t));
    at_ += n * sizeof(std::uint64_t);
    return w;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok_ || n > data_.size() - at_) return fail(std::string());
    std::string s(data_.substr(at_, n));
    at_ += n;
    return s;
  }
  // A count of items that each take at least `bytes` more: fails when the rest cannot hold it.
  std::uint64_t count(std::size_t bytes) {
    const std::uint64_t n = u64();
    if (ok_ && n > (data_.size() - at_) / bytes) ok_ = false;
    return ok_ ? n : 0;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && at_ == data_.size(); }

 private:
  bool take(std::size_t n) {
    if (!ok_ || n > data_.size() - at_) return ok_ = false;
    at_ += n;
    return true;
  }
  template <typename T>
  T fail(T empty) {
    ok_ = false;
    return empty;
  }
  std::string_view data_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace rw::engine
