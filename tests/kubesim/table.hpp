// Server-side printing: the meta.k8s.io/v1 Table the API server answers to
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns its printers define per kind.
#pragma once

#include <string>

#include "resources.hpp"
#include "util.hpp"

namespace kubesim {

enum class IncludeObject { none, metadata, object };

// Column definitions of `t` (name, type, format, description, priority), as the API server's printers.
json table_columns(const ResourceType& t);
// One row: cells in column order, and the object (PartialObjectMetadata unless `include` says otherwise).
json table_row(const ResourceType& t, const json& object, SysTime now, IncludeObject include);
// The status column kubectl shows for a pod ("Running", "CrashLoopBackOff", "OOMKilled", "Init:0/1", ...).
std::string pod_status_reason(const json& pod, SysTime now);

}  // namespace kubesim
