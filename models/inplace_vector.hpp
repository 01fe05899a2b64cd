// models/inplace_vector.hpp: a vector of at most N elements stored in place, the part of C++26's
// std::inplace_vector the kernel world uses. Trivially copyable when T is, so that a world made
// of them is one value: saved, restored and reset by copying its bytes.
#pragma once
#include <array>
#include <cstddef>
#include <stdexcept>

namespace rw::models {

template <class T, std::size_t N>
class InplaceVector {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  static constexpr std::size_t capacity() { return N; }
  // Elements past the old size start as T{}, as std::vector::resize makes them.
  void resize(std::size_t n) {
    if (n > N) throw std::length_error("InplaceVector::resize: more than its capacity");
    for (std::size_t i = size_; i < n; ++i) items_[i] = T{};
    size_ = n;
  }
  void assign(std::size_t n, const T& value) {
    resize(n);
    for (std::size_t i = 0; i < n; ++i) items_[i] = value;
  }
  void push_back(const T& value) {
    resize(size_ + 1);
    items_[size_ - 1] = value;
  }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& at(std::size_t i) { return i < size_ ? items_[i] : throw std::out_of_range("InplaceVector::at"); }
  const T& at(std::size_t i) const { return i < size_ ? items_[i] : throw std::out_of_range("InplaceVector::at"); }
  T* data() { return items_.data(); }
  const T* data() const { return items_.data(); }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + size_; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }

 private:
  std::size_t size_ = 0;
  std::array<T, N> items_{};  // last: the used elements end a world's used bytes (see Kernel)
};

}  // namespace rw::models
