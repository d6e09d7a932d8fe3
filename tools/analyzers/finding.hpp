#pragma once
// A finding: one incident in the cluster (schemas/finding.schema.json), and what analyzers share to build one.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cluster/cluster_state.hpp"

namespace eks::analyzers {

using Json = nlohmann::json;
using cluster::ObjectRef;

enum class Severity { info = 0, warning = 1, critical = 2 };
std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

struct Evidence {
  std::string source;  // status | event | log | spec | condition | metric
  std::string text;
  std::string object;  // "Kind/name" when not the finding's resource
  int count = 0;       // event count
};

struct RootCause {
  std::string category = "unknown";
  std::string summary;
  double confidence = 0.3;
};

struct Action {
  std::string type;  // restart_pod | delete_pod | rollout_restart | scale | set_resources | fix_config | fix_image |
                     // investigate | none
  std::string description;
  Json parameters = Json::object();
};

struct Related {
  ObjectRef ref;
  std::string reason;  // from the vocabulary, or empty
  std::string note;
};

// One step of an incident's chain: an object whose failure explains this finding (caused_by) or that this
// finding explains (causes). `finding` is that object's own finding id when it is reported apart; empty when
// it was folded into this one.
struct Link {
  ObjectRef ref;
  std::string reason;  // from the vocabulary
  std::string note;
  std::string finding;
};

struct Finding {
  std::string id;
  ObjectRef resource;
  std::vector<ObjectRef> owners;
  std::string reason;
  Severity severity = Severity::warning;
  std::string summary;
  std::vector<Evidence> evidence;
  RootCause root_cause;
  bool escalate = false;
  std::vector<std::string> escalation_why;
  std::vector<Action> actions;
  std::vector<Related> related;
  std::vector<Related> affected;  // the objects this incident hurts: its pods, their workload, the Services in front
  std::vector<Link> caused_by;    // nearest cause first
  std::vector<Link> causes;       // consequences folded into (or reported apart from) this finding
  int count = 1;
  std::vector<std::string> pods;

  // Not serialised — what correlation and log reading need.
  std::string what;     // the failure without its cause; summary = what + ": " + root cause (finalize)
  ObjectRef workload;   // the top owner (the resource itself when it has none); the fingerprint key
  std::string log_pod;  // a pod whose log may explain the failure
  std::string log_container;
  bool log_previous = false;
  std::vector<std::string> claims;        // PVCs the pods mount (correlation with PVC findings)
  std::vector<std::string> pod_names;     // every affected pod (pods is the first 10)
  bool status_cause_is_specific = false;  // true: a status field named the cause; logs only add evidence
  bool folded = false;                    // merged into another finding by correlation; dropped before output
  // Env vars read from an optional Secret key on a path that never reads Secrets: {var, "key K of Secret S"}.
  // Whether the key exists cannot be checked; the container's log may still say the variable is empty.
  std::vector<std::pair<std::string, std::string>> unread_secret_env;

  void add_evidence(std::string source, std::string text, std::string object = {}, int count = 0);
  void add_related(const ObjectRef& ref, std::string reason, std::string note);
  void add_action(std::string type, std::string description, Json parameters = Json::object());
  // Each adds an object once (and never the finding's own resource); the first reason and note given stay.
  void add_affected(const ObjectRef& ref, std::string reason = {}, std::string note = {});
  void add_cause(const ObjectRef& ref, std::string reason, std::string note, std::string finding = {});
  void add_consequence(const ObjectRef& ref, std::string reason, std::string note, std::string finding = {});
};

// At most this many affected objects and chain links are written out (count says how many pods there are).
inline constexpr std::size_t kMaxAffected = 10;
inline constexpr std::size_t kMaxLinks = 8;

// A stable fingerprint "f-<16 hex>" of (kind, namespace, owning workload, reason): FNV-1a 64, so it does not
// depend on the run, the process or the standard library.
std::string fingerprint(std::string_view kind, std::string_view ns, std::string_view workload, std::string_view reason);

// {kind, namespace?, name}.
Json ref_json(const ObjectRef& ref);
void to_json(Json& j, const Finding& f);

// "Deployment payments/payments-api", "Node ip-10-0-1-23".
std::string describe(const ObjectRef& ref);

}  // namespace eks::analyzers
