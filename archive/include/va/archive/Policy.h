// Placement and retention rules: pure decisions over an object's facts, unit-tested without any storage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace va::archive {

// What is known of a stored object when rules are applied.
struct ObjectFacts {
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string seriesUid;
  std::string studyUid;
  std::string patientId;
  std::string organisation;  // from the configured mapping (Institution Name, upload); "" = the default one
  std::string copyKind;      // "original", "archival" (our derived HEVC copy), or "other" (not a DICOM instance)
  int64_t studyDate = 0;     // unix seconds of the study date (the patient's visit); 0 when unknown
};

struct ObjectAge {
  uint64_t size = 0;         // plain bytes
  int64_t createdAt = 0;     // unix seconds
  int64_t lastAccessAt = 0;  // unix seconds; 0 = never read, idle since createdAt
};

// "Objects that match go to these tiers, this many copies." Empty / negative criteria match everything.
struct PlacementRule {
  std::string name;
  double minAgeDays = -1;   // since creation
  double minIdleDays = -1;  // since last access
  std::vector<std::string> sopClassUids;
  std::string copyKind;  // "original", "archival", "other" or "" (any)
  std::vector<std::string> organisations;
  uint64_t minSize = 0;
  uint64_t maxSize = 0;            // 0 = no limit
  std::vector<std::string> tiers;  // target tiers, in read preference order
  int copies = 1;                  // how many of tiers must hold a verified copy (the first `copies` allowed ones)
};

struct TierPlace {
  std::string name;
  std::string country;
};

struct Jurisdictions {
  // organisation -> ISO country codes its data may be kept in; an organisation not listed uses defaultCountries;
  // an empty list allows every country.
  std::map<std::string, std::vector<std::string>> byOrganisation;
  std::vector<std::string> defaultCountries;
  bool Allows(const std::string& organisation, const std::string& country) const;
};

struct Placement {
  std::vector<std::string> tiers;  // where verified copies must be; never empty
  std::string rule;                // the rule that decided, or "default"
  std::string note;                // e.g. "tier cold-us skipped: organisation A may keep data only in DE"
};

// The first rule that matches decides; tiers outside the organisation's jurisdictions are skipped (noted). When no
// rule matches or no allowed tier remains, the object stays on defaultTier.
Placement DecidePlacement(const std::vector<PlacementRule>& rules, const std::vector<TierPlace>& tiers,
                          const Jurisdictions& jurisdictions, const std::string& defaultTier, const ObjectFacts& facts,
                          const ObjectAge& age, int64_t now);

// Checks a rule set against the tiers and jurisdictions at configuration time: unknown tiers, copies > tiers, a rule
// restricted to organisations that can never be placed in any of its tiers (or in fewer than `copies`), copies < 1,
// unknown copy kinds, minSize > maxSize. Returns the problems (empty = none).
std::vector<std::string> CheckRules(const std::vector<PlacementRule>& rules, const std::vector<TierPlace>& tiers,
                                    const Jurisdictions& jurisdictions);

// "Keep for N years after the patient's last visit" (or after creation), per organisation or per country.
struct RetentionRule {
  std::string organisation;  // "" = any
  std::string country;       // "" = any; matches the organisation's first jurisdiction
  double yearsAfterLastVisit = 0;
  double yearsAfterCreation = 0;
};

// The date until which an object must be kept: the longest of every matching rule. lastVisit is the latest study
// date known for the patient (0 = unknown, then createdAt counts as the visit). 0 = no retention.
// Years are calendar years: the same month, day and time N years later (20 years after 2024-02-29 is 2044-02-29,
// one year after it is 2025-02-28; after 2023-03-15 it is 2043-03-15). A fraction of a year adds that fraction of
// 365.2425 days. A rule's country matches the organisation's first jurisdiction country (defaultCountries for an
// unlisted organisation), case-insensitively; a rule with a country never matches an organisation with no country.
int64_t RetainUntil(const std::vector<RetentionRule>& rules, const Jurisdictions& jurisdictions,
                    const std::string& organisation, int64_t lastVisit, int64_t createdAt);

}  // namespace va::archive
