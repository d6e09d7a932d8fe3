#pragma once
// The cluster facts the safety validator decides with — failing pods per namespace, a pod's phase, a
// workload's current replicas — read from the cluster at decision time (through the gateway, so these reads
// are validated and audited like any other) and cached briefly, so a burst of decisions reads a namespace once.
#include <chrono>
#include <memory>

#include "safety/validator.hpp"
#include "tools/cluster/source.hpp"

namespace eks::cluster {

// A pod that is not doing its job: phase Failed or Unknown; Pending and unschedulable; or a container (init
// containers included) waiting for a reason other than being created, or last ended in an error while not
// ready. Completed (Succeeded) pods are not failing.
bool is_failing(const Pod& pod);

// Facts read from `source` (one load of the namespace's pods, Deployments and StatefulSets, kept for `ttl`).
// A read that fails gives nullopt, which the validator treats as "ask a human". Thread-safe.
safety::ClusterFacts read_facts(std::shared_ptr<ClusterSource> source,
                                std::chrono::milliseconds ttl = std::chrono::seconds(5));

}  // namespace eks::cluster
