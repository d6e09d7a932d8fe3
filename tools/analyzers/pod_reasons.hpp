#pragma once
// The finding reasons that describe a failing pod (as the pod analyzer names them): correlation folds pods of
// one workload failing for one of these into one finding, and the pipeline ranks, escalates and counts by them.
#include <set>
#include <string_view>

namespace eks::analyzers {

inline const std::set<std::string_view> kPodReasons = {"CrashLoopBackOff",     "OOMKilled",
                                                       "ImagePullBackOff",     "CreateContainerConfigError",
                                                       "CreateContainerError", "RunContainerError",
                                                       "Unschedulable",        "Evicted",
                                                       "ProbeFailure",         "InitContainerFailure",
                                                       "MountFailure",         "ContainerTerminatedWithError",
                                                       "PodStuckTerminating"};

}  // namespace eks::analyzers
