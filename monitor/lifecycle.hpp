#pragma once
// A finding's life across cycles, as a pure function of what the store remembers and what this cycle saw:
// new, ongoing (with or without changed evidence), clearing, resolved. A cycle that could not read the whole
// cluster resolves nothing: absence from an incomplete read is not health.
#include <string>
#include <vector>

#include "monitor/state_store.hpp"

namespace eks::monitor {

struct Observation {
  Clock::time_point at{};
  bool complete = true;  // every part of the cluster was read and no finding was left out
  std::vector<Json> findings;
};

enum class Transition {
  fresh,      // first seen (or seen again after it was resolved): remediate or escalate
  pending,    // open, its handling not finished (a step failed last time): try again
  changed,    // open and handled, its evidence changed since the incident last heard of it
  unchanged,  // open and handled, nothing new to say
  clearing,   // not seen, not yet for enough clean cycles (or the read was incomplete)
  resolved,   // not seen for enough clean cycles: close its incident, notify
};
std::string_view to_string(Transition t);

struct Step {
  FindingRecord record;  // updated for this cycle (last_seen, clean_cycles, finding, resolved_at)
  Transition transition;
  Json previous;  // the finding as the last cycle saw it (changed: what the comment compares with)
};

// Compares the open records with this cycle's findings. `clean_cycles_to_resolve` (at least 1) successful
// cycles in a row without a finding resolve it.
std::vector<Step> compare(const std::vector<FindingRecord>& open, const Observation& observation,
                          int clean_cycles_to_resolve);

// What an incident comment is written for: severity, reason, root cause, the number of affected objects and the
// evidence texts, with what changes on every read masked (digits: counts, ages, timestamps; the random suffixes
// of generated pod names), so a pod restarting again or being replaced is not news but a new error line is.
std::string evidence_digest(const Json& finding);

// The masked evidence lines of `now` that `before` did not have, for the timeline comment.
std::vector<std::string> new_evidence(const Json& before, const Json& now);

}  // namespace eks::monitor
