// engine/state_store.cpp
#include "engine/state_store.hpp"

#include <algorithm>

namespace rw::engine {

StateStore::StateStore() : table_(1024) {}

std::uint64_t StateStore::hash(std::span<const std::uint64_t> words) {
  std::uint64_t h = 0x243f6a8885a308d3ull ^ words.size();
  for (std::uint64_t w : words) {
    h ^= w * 0x9e3779b97f4a7c15ull;
    h = ((h << 31) | (h >> 33)) * 0xbf58476d1ce4e5b9ull;
  }
  h ^= h >> 29;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 32;
  return h | 1;
}

std::pair<std::uint64_t, bool> StateStore::find_or_insert(std::span<const std::uint64_t> words, std::uint64_t h) {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = table_[i];
    if (s.hash == 0) {
      s = Slot{h, arena_.size(), words.size(), count_};
      arena_.insert(arena_.end(), words.begin(), words.end());
      const std::uint64_t entry = count_;
      if (++count_ * 2 > table_.size()) grow();  // load factor at most 1/2
      return {entry, true};
    }
    if (s.hash == h && s.length == words.size() &&
        std::equal(words.begin(), words.end(), arena_.begin() + static_cast<std::ptrdiff_t>(s.offset)))
      return {s.entry, false};
  }
}

void StateStore::grow() {
  std::vector<Slot> old(table_.size() * 2);
  old.swap(table_);
  const std::size_t mask = table_.size() - 1;
  for (const Slot& s : old) {
    if (s.hash == 0) continue;
    std::size_t i = s.hash & mask;
    while (table_[i].hash != 0) i = (i + 1) & mask;
    table_[i] = s;
  }
}

}  // namespace rw::engine
