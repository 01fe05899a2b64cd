// engine/search/state_cache.cpp: the shared visited-state cache and the summaries of what lies
// below each state (state_cache.hpp).
#include "engine/search/state_cache.hpp"

namespace rw::engine::detail {

SharedCache::Decision SharedCache::visit(std::span<const std::uint64_t> key, std::uint64_t sleep,
                                         std::uint32_t preemptions, bool bounded, bool sleep_aware,
                                         std::uint64_t& entry, std::uint32_t& summary, bool& added) {
  const std::uint64_t h = StateStore::hash(key);
  Stripe& s = stripes_[(h >> 40) % kStripes];
  std::lock_guard lock(s.mutex);
  const auto [index, fresh] = s.store.find_or_insert(key, h);
  entry = index * kStripes + (h >> 40) % kStripes;
  added = fresh;
  if (fresh) {
    s.visits.push_back(Visit{.sleep = sleep, .preemptions = preemptions, .summary = 0});
    return Decision::Explore;
  }
  Visit& v = s.visits[index];
  summary = v.summary;
  if (bounded) {
    if (v.preemptions <= preemptions) return Decision::Prune;
    v.preemptions = preemptions;  // reached with fewer: what lies below may now fit the bound
    v.summary = 0;
    return Decision::Explore;
  }
  if (!sleep_aware || (v.sleep & ~sleep) == 0) return Decision::Prune;
  // Explored before with a fiber asleep that is awake now: explore again, with fewer asleep.
  v.sleep &= sleep;
  v.summary = 0;
  return Decision::Explore;
}

std::uint32_t SharedCache::intern_summary(std::span<const std::uint64_t> words) {
  std::lock_guard lock(summaries_mutex_);
  const auto [entry, fresh] = summary_ids_.find_or_insert(words);
  if (fresh) summaries_.emplace_back(words.begin(), words.end());
  return static_cast<std::uint32_t>(entry + 1);
}

void SharedCache::set_summary(std::uint64_t entry, std::uint32_t id) {
  Stripe& s = stripes_[entry % kStripes];
  std::lock_guard lock(s.mutex);
  s.visits[entry / kStripes].summary = id;
}

std::span<const std::uint64_t> SharedCache::summary(std::uint32_t id) const {
  std::lock_guard lock(summaries_mutex_);
  return summaries_.at(id - 1);  // a summary's words never move: the deque only grows
}

std::uint64_t SharedCache::states() const {
  std::uint64_t n = 0;
  for (const Stripe& s : stripes_) n += s.store.size();
  return n;
}

}  // namespace rw::engine::detail
