// The patch types the API server accepts: JSON merge patch (RFC 7386), strategic merge patch (Kubernetes'
// merge keys for lists such as containers and env), JSON patch (RFC 6902), and server-side apply's merge.
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "util.hpp"

namespace kubesim {

enum class PatchType { merge, strategic, json_patch, apply };

// The patch type of a PATCH request's Content-Type, or nullopt (the API answers 415).
std::optional<PatchType> patch_type_of(const std::string& content_type);

// Applies `patch` to `target`; on failure returns the reason (the API answers 422 with it).
tl::expected<json, std::string> apply_patch(const json& target, const json& patch, PatchType type);

// Strategic merge of `patch` into `target` in place ("$patch: delete|replace" directives, null deletes).
void strategic_merge(json& target, const json& patch, const std::string& field = "");

}  // namespace kubesim
