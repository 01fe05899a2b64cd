// engine/search/state_cache.hpp: the visited-state cache and its summaries, for stateful DPOR
// (Yang et al., SPIN 2008). The cache stores, per state, the sleep set it was explored with (a
// later visit is pruned only if it would explore nothing more) and a summary of the accesses
// made below it. At a pruned state the summary stands in for the future that is not re-run:
// every event on the path that conflicts with an access of another fiber in the summary gets
// that fiber added to its backtrack set (conservative, after Yang et al.). A state whose
// summary is not complete yet (still being explored) counts as touching everything.
#pragma once
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

#include "engine/bytes.hpp"
#include "engine/search/event.hpp"
#include "engine/state_store.hpp"

namespace rw::engine::detail {

// What the cache keeps per state.
struct Visit {
  std::uint64_t sleep = 0;         // sleep set it was explored with (intersection over visits)
  std::uint32_t preemptions = 0;   // fewest preemptions it was reached with (bounded search)
  std::uint32_t summary = 0;       // 0: not complete yet; else index + 1 into the summaries
};

// The state cache and summaries, shared by every unit and thread of one search. An overlay
// (made with a base) is one unit's private view for a deterministic parallel search: it reads the
// base, which stays unchanged while units run, keeps what its unit stores, and is folded into the
// base (absorb) in the units' depth-first order once they are done, so that what each unit
// sees does not depend on the threads' timing. Summaries live in the base.
class SharedCache {
 public:
  explicit SharedCache(std::size_t summary_words, SharedCache* base = nullptr)
      : summary_words_(summary_words), base_(base) {}
  enum class Decision { Explore, Prune };
  // Looks the state up and decides; `summary` gets the stored summary when pruning (0: none).
  Decision visit(std::span<const std::uint64_t> key, std::uint64_t sleep, std::uint32_t preemptions,
                 bool bounded, bool sleep_aware, std::uint64_t& entry, std::uint32_t& summary, bool& added);
  std::uint32_t intern_summary(std::span<const std::uint64_t> summary);  // its id, 1 up
  void set_summary(std::uint64_t entry, std::uint32_t id);
  std::span<const std::uint64_t> summary(std::uint32_t id) const;  // id from visit(), not 0
  std::uint64_t states() const;
  std::size_t summary_words() const { return summary_words_; }
  Interner& positions() { return base_ != nullptr ? base_->positions() : positions_; }
  // Folds an overlay of this cache into it: a state both know keeps the visit that explored
  // more (fewer fibers asleep, or fewer preemptions with a bound). Not concurrent with visits.
  void absorb(const SharedCache& overlay, bool bounded);
  // Everything stored (states, visits, summaries, positions), and back into an empty cache with
  // the same entries and ids: a checkpoint (search/checkpoint.hpp).
  void save(ByteWriter& out) const;
  bool load(ByteReader& in);

 private:
  static constexpr std::size_t kStripes = 16;
  // An entry of the base, as an overlay hands it out: never equal to one of its own.
  static constexpr std::uint64_t kBaseEntry = std::uint64_t{1} << 63;
  struct Stripe {
    std::mutex mutex;
    StateStore store;
    std::vector<Visit> visits;
  };
  // The decision for a state visited before, as `v` records it; updates `v` when it is explored again.
  static Decision decide(Visit& v, std::uint64_t sleep, std::uint32_t preemptions, bool bounded, bool sleep_aware,
                         std::uint32_t& summary);
  Stripe stripes_[kStripes];
  Interner positions_;  // fibers' positions, so that a state key holds one word per fiber
  std::size_t summary_words_;
  SharedCache* base_ = nullptr;
  mutable std::mutex summaries_mutex_;
  std::deque<std::vector<std::uint64_t>> summaries_;
  StateStore summary_ids_;  // entry + 1 is the id; summaries_[entry] the words
};

// A summary: per object, three masks of fibers (read, write, lock), 3 words per object. The
// helpers below run at every step and every pruned state: they are inline.
enum : std::size_t { kSummaryRead = 0, kSummaryWrite = 1, kSummaryLock = 2 };

// Adds event e's accesses (all of them, for a wide event) to `sum`.
inline void summarize(std::vector<std::uint64_t>& sum, const Event& e) {
  if (e.wide) {
    for (std::size_t o = 0; o < sum.size() / 3; ++o) sum[o * 3 + kSummaryWrite] |= bit(e.fiber);
    for (std::size_t o = 0; o < sum.size() / 3; ++o) sum[o * 3 + kSummaryLock] |= bit(e.fiber);
    return;
  }
  for (std::uint8_t i = 0; i < e.n; ++i) {
    const Access a = e.acc[i].kind;
    const std::size_t slot = a == Access::Read ? kSummaryRead : a == Access::Lock ? kSummaryLock : kSummaryWrite;
    sum[e.acc[i].obj * 3 + slot] |= bit(e.fiber);
  }
}

// The fibers whose accesses in `sum` conflict with event e's (e's own fiber included).
inline std::uint64_t summary_conflicts(std::span<const std::uint64_t> sum, const Event& e) {
  std::uint64_t others = 0;
  if (e.wide) {
    for (std::uint64_t w : sum) others |= w;
    return others;
  }
  for (std::uint8_t a = 0; a < e.n; ++a) {
    const std::size_t o = e.acc[a].obj * 3;
    switch (e.acc[a].kind) {
      case Access::Read: others |= sum[o + kSummaryWrite]; break;
      case Access::Lock: others |= sum[o + kSummaryLock]; break;
      default: others |= sum[o + kSummaryWrite] | sum[o + kSummaryRead]; break;
    }
  }
  return others;
}

// into |= from, word by word.
inline void merge_summary(std::vector<std::uint64_t>& into, std::span<const std::uint64_t> from) {
  for (std::size_t i = 0; i < into.size() && i < from.size(); ++i) into[i] |= from[i];
}

}  // namespace rw::engine::detail
