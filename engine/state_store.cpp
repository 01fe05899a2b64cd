// engine/state_store.cpp
#include "engine/state_store.hpp"

#include <algorithm>

#include "engine/bytes.hpp"

namespace rw::engine {

StateStore::StateStore() : table_(1024) {}

std::uint64_t StateStore::hash(std::span<const std::uint64_t> words) {
  // Four independent lanes, so that the multiplies overlap; folded and finalized at the end.
  constexpr std::uint64_t k0 = 0x9e3779b97f4a7c15ull, k1 = 0xbf58476d1ce4e5b9ull;
  std::uint64_t a = 0x243f6a8885a308d3ull ^ words.size(), b = 0x13198a2e03707344ull, c = 0xa4093822299f31d0ull,
                d = 0x082efa98ec4e6c89ull;
  auto mix = [](std::uint64_t h, std::uint64_t w) {
    h ^= w * k0;
    return ((h << 31) | (h >> 33)) * k1;
  };
  std::size_t i = 0;
  for (; i + 4 <= words.size(); i += 4) {
    a = mix(a, words[i]);
    b = mix(b, words[i + 1]);
    c = mix(c, words[i + 2]);
    d = mix(d, words[i + 3]);
  }
  for (; i < words.size(); ++i) a = mix(a, words[i]);
  std::uint64_t h = mix(mix(mix(a, b), c), d);
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
      s = Slot{h, append(words), words.size(), count_};
      const std::uint64_t entry = count_;
      if (++count_ * 2 > table_.size()) grow();  // load factor at most 1/2
      return {entry, true};
    }
    if (s.hash == h && s.length == words.size() &&
        std::equal(words.begin(), words.end(), key_at(s.offset)))
      return {s.entry, false};
  }
}

std::optional<std::uint64_t> StateStore::find(std::span<const std::uint64_t> words, std::uint64_t h) const {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = table_[i];
    if (s.hash == 0) return std::nullopt;
    if (s.hash == h && s.length == words.size() && std::equal(words.begin(), words.end(), key_at(s.offset)))
      return s.entry;
  }
}

void StateStore::for_each(const std::function<void(std::uint64_t, std::span<const std::uint64_t>)>& fn) const {
  std::vector<const Slot*> by_entry(count_);
  for (const Slot& s : table_)
    if (s.hash != 0) by_entry[s.entry] = &s;
  for (const Slot* s : by_entry) fn(s->entry, {key_at(s->offset), s->length});
}

std::uint64_t StateStore::append(std::span<const std::uint64_t> words) {
  if (words.size() > kChunkWords) {  // a key larger than a chunk gets a chunk of its own size
    used_ = (used_ + kChunkWords - 1) / kChunkWords * kChunkWords;
    const std::uint64_t at = used_;
    chunks_.resize(at / kChunkWords + 1);
    chunks_.back() = std::make_unique_for_overwrite<std::uint64_t[]>(words.size());
    std::copy(words.begin(), words.end(), chunks_.back().get());
    used_ += kChunkWords;
    return at;
  }
  if (used_ % kChunkWords + words.size() > kChunkWords || used_ / kChunkWords >= chunks_.size()) {
    if (used_ / kChunkWords < chunks_.size()) used_ = (used_ / kChunkWords + 1) * kChunkWords;
    chunks_.push_back(std::make_unique_for_overwrite<std::uint64_t[]>(kChunkWords));
  }
  const std::uint64_t at = used_;
  std::copy(words.begin(), words.end(), chunks_[at / kChunkWords].get() + at % kChunkWords);
  used_ += words.size();
  return at;
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

std::uint64_t Interner::id(std::span<const std::uint64_t> words) {
  const std::uint64_t h = StateStore::hash(words);
  const std::size_t k = (h >> 40) % kStripes;
  std::lock_guard lock(stripes_[k].mutex);
  return stripes_[k].store.find_or_insert(words, h).first * kStripes + k;
}

void Interner::save(ByteWriter& out) const {
  for (const Stripe& s : stripes_) {
    out.u64(s.store.size());
    s.store.for_each([&](std::uint64_t, std::span<const std::uint64_t> words) { out.words(words); });
  }
}

bool Interner::load(ByteReader& in) {
  for (Stripe& s : stripes_) {
    const std::uint64_t n = in.count(sizeof(std::uint64_t));
    for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
      const auto words = in.words();
      if (in.ok() && !s.store.insert(words)) return false;  // twice: not a file we wrote
    }
  }
  return in.ok();
}

}  // namespace rw::engine
