// engine/search/state_cache.cpp: the shared visited-state cache and the summaries of what lies
// below each state (state_cache.hpp).
#include "engine/search/state_cache.hpp"

namespace rw::engine::detail {

SharedCache::Decision SharedCache::decide(Visit& v, std::uint64_t sleep, std::uint32_t preemptions, bool bounded,
                                          bool sleep_aware, std::uint32_t& summary) {
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

SharedCache::Decision SharedCache::visit(std::span<const std::uint64_t> key, std::uint64_t sleep,
                                         std::uint32_t preemptions, bool bounded, bool sleep_aware,
                                         std::uint64_t& entry, std::uint32_t& summary, bool& added) {
  const std::uint64_t h = StateStore::hash(key);
  const std::size_t k = (h >> 40) % kStripes;
  Stripe& s = stripes_[k];
  std::lock_guard lock(s.mutex);
  if (base_ != nullptr && !s.store.find(key, h)) {
    // Not stored by this unit: what the base knows decides (the base does not change meanwhile).
    Stripe& b = base_->stripes_[k];
    if (const auto at = b.store.find(key, h)) {
      added = false;
      Visit v = b.visits[*at];
      if (decide(v, sleep, preemptions, bounded, sleep_aware, summary) == Decision::Prune) {
        entry = kBaseEntry | (*at * kStripes + k);
        return Decision::Prune;
      }
      const std::uint64_t index = s.store.find_or_insert(key, h).first;  // explored again, here
      s.visits.push_back(v);
      entry = index * kStripes + k;
      return Decision::Explore;
    }
  }
  const auto [index, fresh] = s.store.find_or_insert(key, h);
  entry = index * kStripes + k;
  added = fresh;
  if (fresh) {
    s.visits.push_back(Visit{.sleep = sleep, .preemptions = preemptions, .summary = 0});
    return Decision::Explore;
  }
  return decide(s.visits[index], sleep, preemptions, bounded, sleep_aware, summary);
}

void SharedCache::absorb(const SharedCache& overlay, bool bounded) {
  for (std::size_t k = 0; k < kStripes; ++k) {
    const Stripe& from = overlay.stripes_[k];
    Stripe& to = stripes_[k];  // the same hash picks the same stripe
    from.store.for_each([&](std::uint64_t index, std::span<const std::uint64_t> key) {
      const Visit& l = from.visits[index];
      const auto [at, fresh] = to.store.find_or_insert(key, StateStore::hash(key));
      if (fresh) {
        to.visits.push_back(l);
        return;
      }
      Visit& g = to.visits[at];
      // Keep the visit that covers more: the overlay's explored with no fiber asleep that the
      // kept one had awake, or (bounded) with fewer preemptions.
      if (bounded ? l.preemptions < g.preemptions : (l.sleep & ~g.sleep) == 0) g = l;
    });
  }
}

std::uint32_t SharedCache::intern_summary(std::span<const std::uint64_t> words) {
  if (base_ != nullptr) return base_->intern_summary(words);
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
  if (base_ != nullptr) return base_->summary(id);
  std::lock_guard lock(summaries_mutex_);
  return summaries_.at(id - 1);  // a summary's words never move: the deque only grows
}

std::uint64_t SharedCache::states() const {
  std::uint64_t n = 0;
  for (const Stripe& s : stripes_) n += s.store.size();
  return n;
}

void SharedCache::save(ByteWriter& out) const {
  for (const Stripe& s : stripes_) {
    out.u64(s.store.size());
    s.store.for_each([&](std::uint64_t index, std::span<const std::uint64_t> key) {
      const Visit& v = s.visits[index];
      out.words(key);
      out.u64(v.sleep);
      out.u64(v.preemptions);
      out.u64(v.summary);
    });
  }
  out.u64(summaries_.size());
  for (const auto& sum : summaries_) out.words(sum);
  positions_.save(out);
}

bool SharedCache::load(ByteReader& in) {
  for (Stripe& s : stripes_) {
    const std::uint64_t n = in.count(4 * sizeof(std::uint64_t));
    for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
      const auto key = in.words();
      Visit v{.sleep = in.u64(), .preemptions = static_cast<std::uint32_t>(in.u64()), .summary = static_cast<std::uint32_t>(in.u64())};
      if (!in.ok() || !s.store.insert(key)) return false;
      s.visits.push_back(v);
    }
  }
  const std::uint64_t sums = in.count(sizeof(std::uint64_t));
  for (std::uint64_t i = 0; i < sums && in.ok(); ++i) {
    const auto words = in.words();
    if (!in.ok() || !summary_ids_.insert(words)) return false;
    summaries_.emplace_back(words);
  }
  for (const Stripe& s : stripes_)
    for (const Visit& v : s.visits)
      if (v.summary > summaries_.size()) return false;
  return in.ok() && positions_.load(in);
}

}  // namespace rw::engine::detail
