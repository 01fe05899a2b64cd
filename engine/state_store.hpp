// engine/state_store.hpp: the visited-state set. Keys are whole states (every word), stored back
// to back in one arena and found through an open-addressing table of (hash, offset, length):
// exact like a set of strings, without an allocation or a second hash per lookup.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

namespace rw::engine {

class StateStore {
 public:
  StateStore();
  // Adds the state; returns false when it was already there.
  bool insert(std::span<const std::uint64_t> words) { return find_or_insert(words).second; }
  // The state's entry number (0, 1, ... in insertion order) and whether it was just added.
  std::pair<std::uint64_t, bool> find_or_insert(std::span<const std::uint64_t> words) {
    return find_or_insert(words, hash(words));
  }
  // The same, with hash(words) already computed.
  std::pair<std::uint64_t, bool> find_or_insert(std::span<const std::uint64_t> words, std::uint64_t h);
  // The entry of a state already stored, with hash(words) computed; nothing when it is not.
  std::optional<std::uint64_t> find(std::span<const std::uint64_t> words, std::uint64_t h) const;
  std::uint64_t size() const { return count_; }
  // Calls fn(entry, words) for every state, in entry (insertion) order.
  void for_each(const std::function<void(std::uint64_t, std::span<const std::uint64_t>)>& fn) const;
  static std::uint64_t hash(std::span<const std::uint64_t> words);

 private:
  struct Slot {
    std::uint64_t hash = 0;  // 0: empty (real hashes have their low bit set)
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint64_t entry = 0;
  };
  void grow();

  // Keys live back to back in fixed-size chunks, so that growing never copies them.
  static constexpr std::size_t kChunkWords = std::size_t{1} << 17;  // 1 MiB
  const std::uint64_t* key_at(std::uint64_t offset) const { return chunks_[offset / kChunkWords].get() + offset % kChunkWords; }
  std::uint64_t append(std::span<const std::uint64_t> words);
  std::vector<std::unique_ptr<std::uint64_t[]>> chunks_;
  std::uint64_t used_ = 0;  // words: the next free offset
  std::vector<Slot> table_;
  std::uint64_t count_ = 0;
};

// Exact interning of word sequences (a fiber's position, for instance) into small numbers, shared
// by threads: SPIN's "collapse" compression, without its loss (equal ids mean equal words).
class Interner {
 public:
  std::uint64_t id(std::span<const std::uint64_t> words);
  // Every sequence with its id, and back (into an empty interner, giving each the same id).
  void save(class ByteWriter& out) const;
  bool load(class ByteReader& in);

 private:
  static constexpr std::size_t kStripes = 16;
  struct Stripe {
    std::mutex mutex;
    StateStore store;
  };
  Stripe stripes_[kStripes];
};

}  // namespace rw::engine
