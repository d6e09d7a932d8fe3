#include "tools/cost/prices.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace eks::cost {

extern const char* const kEmbeddedPrices;  // prices/aws.yaml (prices_embedded.cpp, generated)

namespace {

tl::expected<double, std::string> number(const YAML::Node& node, const std::string& where) {
  try {
    const double value = node.as<double>();
    if (value < 0) return tl::unexpected(where + " is negative");
    return value;
  } catch (const YAML::Exception&) {
    return tl::unexpected(where + " is not a number");
  }
}

template <class Map>
tl::expected<void, std::string> numbers(const YAML::Node& node, const std::string& where, Map& into) {
  if (!node) return {};
  if (!node.IsMap()) return tl::unexpected(where + " is not a mapping");
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    auto value = number(entry.second, where + "." + key);
    if (!value) return tl::unexpected(value.error());
    into[key] = *value;
  }
  return {};
}

}  // namespace

tl::expected<void, std::string> PriceTable::overlay(std::string_view yaml, const std::string& origin) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return tl::unexpected(origin + ": not YAML: " + e.what());
  }
  if (doc.IsNull()) return {};
  if (!doc.IsMap()) return tl::unexpected(origin + ": not a mapping");
  for (const auto& entry : doc) {
    const auto key = entry.first.as<std::string>();
    if (key != "hours_per_month" && key != "spot_discount" && key != "sizes" && key != "regions") {
      return tl::unexpected(origin + ": unknown key " + key +
                            " (the keys: hours_per_month, spot_discount, sizes, regions)");
    }
  }
  if (doc["hours_per_month"]) {
    auto v = number(doc["hours_per_month"], origin + ": hours_per_month");
    if (!v) return tl::unexpected(v.error());
    hours_per_month_ = *v;
  }
  if (doc["spot_discount"]) {
    auto v = number(doc["spot_discount"], origin + ": spot_discount");
    if (!v) return tl::unexpected(v.error());
    if (*v >= 1) return tl::unexpected(origin + ": spot_discount is a fraction below 1 (0.6 for 60% off)");
    spot_discount_ = *v;
  }
  if (auto s = numbers(doc["sizes"], origin + ": sizes", sizes_); !s) return s;
  if (const auto regions = doc["regions"]) {
    if (!regions.IsMap()) return tl::unexpected(origin + ": regions is not a mapping");
    for (const auto& r : regions) {
      const auto name = r.first.as<std::string>();
      const std::string where = origin + ": regions." + name;
      if (!r.second.IsMap()) return tl::unexpected(where + " is not a mapping");
      auto& region = regions_[name];
      if (auto s = numbers(r.second["families"], where + ".families", region.families); !s) return s;
      if (auto s = numbers(r.second["instances"], where + ".instances", region.instances); !s) return s;
      if (const auto f = r.second["fargate"]) {
        auto vcpu = number(f["vcpu_hour"], where + ".fargate.vcpu_hour");
        auto gb = number(f["gb_hour"], where + ".fargate.gb_hour");
        if (!vcpu) return tl::unexpected(vcpu.error());
        if (!gb) return tl::unexpected(gb.error());
        region.fargate = FargateRate{*vcpu, *gb};
      }
    }
  }
  return {};
}

tl::expected<PriceTable, std::string> PriceTable::load(const std::string& file) {
  PriceTable table;
  if (auto embedded = table.overlay(kEmbeddedPrices, "the embedded price table"); !embedded) {
    return tl::unexpected(embedded.error());
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return tl::unexpected("cannot read the price file " + file);
    std::stringstream text;
    text << in.rdbuf();
    if (auto overlaid = table.overlay(text.str(), file); !overlaid) return tl::unexpected(overlaid.error());
  }
  return table;
}

std::optional<double> PriceTable::on_demand(std::string_view region, std::string_view type) const {
  const auto r = regions_.find(region);
  if (r == regions_.end()) return std::nullopt;
  if (const auto exact = r->second.instances.find(type); exact != r->second.instances.end()) return exact->second;
  const auto dot = type.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto family = r->second.families.find(type.substr(0, dot));
  const auto size = sizes_.find(type.substr(dot + 1));
  if (family == r->second.families.end() || size == sizes_.end()) return std::nullopt;
  return family->second * size->second;
}

std::optional<FargateRate> PriceTable::fargate(std::string_view region) const {
  const auto r = regions_.find(region);
  if (r == regions_.end()) return std::nullopt;
  return r->second.fargate;
}

}  // namespace eks::cost
