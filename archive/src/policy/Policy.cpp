// Placement and retention rules (see Policy.h): pure functions, no storage, no clock.
#include "va/archive/Policy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace va::archive {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr double kMeanDaysPerYear = 365.2425;  // Gregorian mean year, only for a fraction of a year

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string Join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string OrganisationLabel(const std::string& organisation) {
  return organisation.empty() ? "(default)" : organisation;
}

const std::vector<std::string>& CountriesOf(const Jurisdictions& jurisdictions, const std::string& organisation) {
  const auto it = jurisdictions.byOrganisation.find(organisation);
  return it == jurisdictions.byOrganisation.end() ? jurisdictions.defaultCountries : it->second;
}

const TierPlace* FindTier(const std::vector<TierPlace>& tiers, const std::string& name) {
  for (const auto& tier : tiers) {
    if (tier.name == name) return &tier;
  }
  return nullptr;
}

// "skipped: organisation A may keep data only in DE, FR"
std::string JurisdictionReason(const Jurisdictions& jurisdictions, const std::string& organisation,
                               const TierPlace& tier) {
  return "tier " + tier.name + " (" + (tier.country.empty() ? "country unknown" : tier.country) +
         ") skipped: organisation " + OrganisationLabel(organisation) + " may keep data only in " +
         Join(CountriesOf(jurisdictions, organisation));
}

void AppendNote(std::string& note, const std::string& text) {
  if (!note.empty()) note += "; ";
  note += text;
}

double DaysBetween(int64_t from, int64_t to) {
  return static_cast<double>(to - from) / kSecondsPerDay;
}

bool Matches(const PlacementRule& rule, const ObjectFacts& facts, const ObjectAge& age, int64_t now) {
  if (rule.minAgeDays >= 0 && DaysBetween(age.createdAt, now) < rule.minAgeDays) return false;
  // Never read since it was written: idle since creation.
  const int64_t lastAccess = age.lastAccessAt != 0 ? age.lastAccessAt : age.createdAt;
  if (rule.minIdleDays >= 0 && DaysBetween(lastAccess, now) < rule.minIdleDays) return false;
  if (!rule.sopClassUids.empty() && !Contains(rule.sopClassUids, facts.sopClassUid)) return false;
  if (!rule.copyKind.empty() && rule.copyKind != facts.copyKind) return false;
  if (!rule.organisations.empty() && !Contains(rule.organisations, facts.organisation)) return false;
  if (age.size < rule.minSize) return false;
  if (rule.maxSize != 0 && age.size > rule.maxSize) return false;
  return true;
}

// Civil date arithmetic on the proleptic Gregorian calendar (H. Hinnant's days_from_civil / civil_from_days).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// t + years: whole years on the calendar (same month, day and time; 29 February becomes 28 February in a common
// year), a fraction of a year as that fraction of the mean Gregorian year.
int64_t AddYears(int64_t t, double years) {
  const double whole = std::floor(years);
  const double fraction = years - whole;
  int64_t days = t / kSecondsPerDay;
  int64_t secondOfDay = t % kSecondsPerDay;
  if (secondOfDay < 0) {
    secondOfDay += kSecondsPerDay;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, y, m, d);
  y += static_cast<int64_t>(whole);
  if (m == 2 && d == 29 && !IsLeap(y)) d = 28;
  return DaysFromCivil(y, m, d) * kSecondsPerDay + secondOfDay +
         static_cast<int64_t>(std::llround(fraction * kMeanDaysPerYear * kSecondsPerDay));
}

}  // namespace

bool Jurisdictions::Allows(const std::string& organisation, const std::string& country) const {
  const auto& countries = CountriesOf(*this, organisation);
  if (countries.empty()) return true;
  return std::any_of(countries.begin(), countries.end(),
                     [&](const std::string& allowed) { return EqualsIgnoreCase(allowed, country); });
}

Placement DecidePlacement(const std::vector<PlacementRule>& rules, const std::vector<TierPlace>& tiers,
                          const Jurisdictions& jurisdictions, const std::string& defaultTier, const ObjectFacts& facts,
                          const ObjectAge& age, int64_t now) {
  Placement placement;
  const auto rule =
      std::find_if(rules.begin(), rules.end(), [&](const PlacementRule& r) { return Matches(r, facts, age, now); });
  if (rule == rules.end()) {
    placement.tiers = {defaultTier};
    placement.rule = "default";
    return placement;
  }
  placement.rule = rule->name;
  const size_t wanted = rule->copies < 1 ? 1 : static_cast<size_t>(rule->copies);
  for (const auto& name : rule->tiers) {
    if (placement.tiers.size() == wanted) break;
    if (Contains(placement.tiers, name)) continue;
    const TierPlace* tier = FindTier(tiers, name);
    if (tier == nullptr) {
      AppendNote(placement.note, "tier " + name + " skipped: not configured");
    } else if (!jurisdictions.Allows(facts.organisation, tier->country)) {
      AppendNote(placement.note, JurisdictionReason(jurisdictions, facts.organisation, *tier));
    } else {
      placement.tiers.push_back(name);
    }
  }
  if (placement.tiers.empty()) {
    placement.tiers = {defaultTier};
    AppendNote(placement.note,
               "no tier of rule " + rule->name + " is allowed: staying on the default tier " + defaultTier);
  } else if (placement.tiers.size() < wanted) {
    AppendNote(placement.note, "only " + std::to_string(placement.tiers.size()) + " of " + std::to_string(wanted) +
                                   " copies can be placed");
  }
  return placement;
}

std::vector<std::string> CheckRules(const std::vector<PlacementRule>& rules, const std::vector<TierPlace>& tiers,
                                    const Jurisdictions& jurisdictions) {
  std::vector<std::string> problems;
  std::set<std::string> names;
  for (size_t i = 0; i < rules.size(); ++i) {
    const PlacementRule& rule = rules[i];
    const std::string label = "rule " + (rule.name.empty() ? "#" + std::to_string(i + 1) : rule.name);
    if (!rule.name.empty() && !names.insert(rule.name).second) problems.push_back(label + ": name used twice");
    if (!rule.copyKind.empty() && rule.copyKind != "original" && rule.copyKind != "archival" &&
        rule.copyKind != "other") {
      problems.push_back(label + ": unknown copy kind " + rule.copyKind);
    }
    if (rule.maxSize != 0 && rule.minSize > rule.maxSize) {
      problems.push_back(label + ": minimum size above maximum size, it never matches");
    }
    std::vector<const TierPlace*> known;
    std::set<std::string> seen;
    for (const auto& name : rule.tiers) {
      if (!seen.insert(name).second) {
        problems.push_back(std::string(label).append(": tier ").append(name).append(" listed twice"));
        continue;
      }
      const TierPlace* tier = FindTier(tiers, name);
      if (tier == nullptr) {
        problems.push_back(std::string(label).append(": unknown tier ").append(name));
      } else {
        known.push_back(tier);
      }
    }
    if (rule.tiers.empty()) problems.push_back(label + ": no tiers");
    if (rule.copies < 1) {
      problems.push_back(label + ": copies must be at least 1");
    } else if (static_cast<size_t>(rule.copies) > seen.size()) {
      problems.push_back(label + ": " + std::to_string(rule.copies) + " copies but only " +
                         std::to_string(seen.size()) + " tiers");
    }
    for (const auto& organisation : rule.organisations) {
      const auto usable = std::count_if(known.begin(), known.end(), [&](const TierPlace* tier) {
        return jurisdictions.Allows(organisation, tier->country);
      });
      if (usable == 0 && !known.empty()) {
        problems.push_back(
            label + ": organisation " + OrganisationLabel(organisation) +
            " may use none of its tiers (allowed countries: " + Join(CountriesOf(jurisdictions, organisation)) + ")");
      } else if (usable > 0 && rule.copies >= 1 && usable < rule.copies) {
        problems.push_back(label + ": organisation " + OrganisationLabel(organisation) + " may use only " +
                           std::to_string(usable) + " of its tiers, fewer than " + std::to_string(rule.copies) +
                           " copies");
      }
    }
  }
  return problems;
}

int64_t RetainUntil(const std::vector<RetentionRule>& rules, const Jurisdictions& jurisdictions,
                    const std::string& organisation, int64_t lastVisit, int64_t createdAt) {
  const auto& countries = CountriesOf(jurisdictions, organisation);
  const std::string country = countries.empty() ? std::string() : countries.front();
  const int64_t visit = lastVisit != 0 ? lastVisit : createdAt;
  int64_t until = 0;
  for (const auto& rule : rules) {
    if (!rule.organisation.empty() && rule.organisation != organisation) continue;
    if (!rule.country.empty() && (country.empty() || !EqualsIgnoreCase(rule.country, country))) continue;
    if (rule.yearsAfterLastVisit > 0) until = std::max(until, AddYears(visit, rule.yearsAfterLastVisit));
    if (rule.yearsAfterCreation > 0) until = std::max(until, AddYears(createdAt, rule.yearsAfterCreation));
  }
  return until;
}

}  // namespace va::archive
