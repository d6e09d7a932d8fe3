#pragma once
// The price table: on-demand hourly prices of EC2 instance types per region, Fargate's per-vCPU-hour and
// per-GB-hour rates, the spot discount and hours per month. Embedded from prices/aws.yaml; `cost.prices_file`
// overlays its own entries.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace eks::cost {

struct FargateRate {
  double vcpu_hour = 0;
  double gb_hour = 0;
};

class PriceTable {
 public:
  // The embedded table, overlaid by `file` when it is not empty. Fails naming the file and what is wrong.
  static tl::expected<PriceTable, std::string> load(const std::string& file = {});
  // Overlays a document in the table's shape (YAML text) on this table; `origin` names it in errors.
  tl::expected<void, std::string> overlay(std::string_view yaml, const std::string& origin);

  // The on-demand hourly price of `type` ("m5.xlarge") in `region`: an exact entry, else the family's large price
  // scaled by the size; nullopt when neither is known.
  std::optional<double> on_demand(std::string_view region, std::string_view type) const;
  std::optional<FargateRate> fargate(std::string_view region) const;
  double spot_discount() const { return spot_discount_; }
  double hours_per_month() const { return hours_per_month_; }

 private:
  double hours_per_month_ = 730;
  double spot_discount_ = 0;
  std::map<std::string, double, std::less<>> sizes_;
  struct Region {
    std::map<std::string, double, std::less<>> families;
    std::map<std::string, double, std::less<>> instances;
    std::optional<FargateRate> fargate;
  };
  std::map<std::string, Region, std::less<>> regions_;
};

}  // namespace eks::cost
