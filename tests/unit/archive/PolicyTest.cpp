#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "va/archive/Policy.h"

using va::archive::CheckRules;
using va::archive::DecidePlacement;
using va::archive::Jurisdictions;
using va::archive::ObjectAge;
using va::archive::ObjectFacts;
using va::archive::Placement;
using va::archive::PlacementRule;
using va::archive::RetainUntil;
using va::archive::RetentionRule;
using va::archive::TierPlace;

namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1800000000;  // 2027-01-15
constexpr const char* kVideoEndoscopic = "1.2.840.10008.5.1.4.1.1.77.1.1.1";
constexpr const char* kVideoMicroscopic = "1.2.840.10008.5.1.4.1.1.77.1.2.1";

std::vector<TierPlace> Tiers() {
  return {{"hot", "DE"}, {"warm-de", "de"}, {"cold-de", "DE"}, {"cold-fr", "FR"}, {"cold-us", "US"}, {"nowhere", ""}};
}

Jurisdictions Law() {
  Jurisdictions j;
  j.byOrganisation["A"] = {"DE"};
  j.byOrganisation["B"] = {"de", "FR"};
  j.byOrganisation["Open"] = {};
  j.defaultCountries = {"DE", "FR", "US"};
  return j;
}

PlacementRule Rule(const std::string& name, std::vector<std::string> tiers, int copies = 1) {
  PlacementRule r;
  r.name = name;
  r.tiers = std::move(tiers);
  r.copies = copies;
  return r;
}

ObjectFacts Facts(const std::string& organisation = "A", const std::string& kind = "original",
                  const std::string& sopClass = kVideoEndoscopic) {
  ObjectFacts f;
  f.organisation = organisation;
  f.copyKind = kind;
  f.sopClassUid = sopClass;
  return f;
}

ObjectAge Age(double ageDays, double idleDays, uint64_t size = 1000) {
  ObjectAge a;
  a.size = size;
  a.createdAt = kNow - static_cast<int64_t>(ageDays * kDay);
  a.lastAccessAt = kNow - static_cast<int64_t>(idleDays * kDay);
  return a;
}

// --- Jurisdictions::Allows ---

struct AllowsCase {
  const char* organisation;
  const char* country;
  bool allowed;
};

class AllowsTest : public ::testing::TestWithParam<AllowsCase> {};

TEST_P(AllowsTest, Decides) {
  const auto& c = GetParam();
  EXPECT_EQ(Law().Allows(c.organisation, c.country), c.allowed) << c.organisation << " in " << c.country;
}

INSTANTIATE_TEST_SUITE_P(Policy, AllowsTest,
                         ::testing::Values(AllowsCase{"A", "DE", true}, AllowsCase{"A", "de", true},
                                           AllowsCase{"A", "FR", false}, AllowsCase{"A", "", false},
                                           AllowsCase{"B", "DE", true}, AllowsCase{"B", "fr", true},
                                           AllowsCase{"B", "US", false}, AllowsCase{"Open", "US", true},
                                           AllowsCase{"Open", "", true}, AllowsCase{"Unlisted", "US", true},
                                           AllowsCase{"Unlisted", "CH", false}, AllowsCase{"", "FR", true},
                                           AllowsCase{"", "JP", false}));

TEST(Policy, EmptyDefaultAllowsEverything) {
  Jurisdictions j;
  EXPECT_TRUE(j.Allows("anyone", "JP"));
  EXPECT_TRUE(j.Allows("", ""));
}

// --- DecidePlacement: which rule matches ---

struct MatchCase {
  const char* what;
  PlacementRule rule;
  ObjectFacts facts;
  ObjectAge age;
  bool matches;
};

class MatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MatchTest, FirstRuleOrDefault) {
  const auto& c = GetParam();
  const Placement p = DecidePlacement({c.rule}, Tiers(), Law(), "hot", c.facts, c.age, kNow);
  if (c.matches) {
    EXPECT_EQ(p.rule, c.rule.name) << c.what;
    EXPECT_EQ(p.tiers, std::vector<std::string>{"cold-de"}) << c.what;
  } else {
    EXPECT_EQ(p.rule, "default") << c.what;
    EXPECT_EQ(p.tiers, std::vector<std::string>{"hot"}) << c.what;
  }
}

PlacementRule With(PlacementRule r, void (*change)(PlacementRule&)) {
  change(r);
  return r;
}

const PlacementRule kCold = Rule("cold", {"cold-de"});

INSTANTIATE_TEST_SUITE_P(
    Policy, MatchTest,
    ::testing::Values(
        MatchCase{"no criteria", kCold, Facts(), Age(0, 0), true},
        MatchCase{"old enough", With(kCold, [](PlacementRule& r) { r.minAgeDays = 30; }), Facts(), Age(31, 0), true},
        MatchCase{"exactly old enough", With(kCold, [](PlacementRule& r) { r.minAgeDays = 30; }), Facts(), Age(30, 0),
                  true},
        MatchCase{"too young", With(kCold, [](PlacementRule& r) { r.minAgeDays = 30; }), Facts(), Age(29, 0), false},
        MatchCase{"idle long enough", With(kCold, [](PlacementRule& r) { r.minIdleDays = 90; }), Facts(), Age(400, 100),
                  true},
        MatchCase{"read recently", With(kCold, [](PlacementRule& r) { r.minIdleDays = 90; }), Facts(), Age(400, 10),
                  false},
        MatchCase{"never read: idle since creation", With(kCold, [](PlacementRule& r) { r.minIdleDays = 90; }), Facts(),
                  ObjectAge{1000, kNow - 100 * kDay, 0}, true},
        MatchCase{"sop class listed",
                  With(kCold,
                       [](PlacementRule& r) {
                         r.sopClassUids = {"1.2.3", kVideoEndoscopic};
                       }),
                  Facts(), Age(0, 0), true},
        MatchCase{"sop class not listed", With(kCold, [](PlacementRule& r) { r.sopClassUids = {kVideoEndoscopic}; }),
                  Facts("A", "original", kVideoMicroscopic), Age(0, 0), false},
        MatchCase{"copy kind", With(kCold, [](PlacementRule& r) { r.copyKind = "archival"; }), Facts("A", "archival"),
                  Age(0, 0), true},
        MatchCase{"other copy kind", With(kCold, [](PlacementRule& r) { r.copyKind = "archival"; }),
                  Facts("A", "original"), Age(0, 0), false},
        MatchCase{"kind other", With(kCold, [](PlacementRule& r) { r.copyKind = "other"; }), Facts("A", "other"),
                  Age(0, 0), true},
        MatchCase{"organisation listed",
                  With(kCold,
                       [](PlacementRule& r) {
                         r.organisations = {"B", "A"};
                       }),
                  Facts("A"), Age(0, 0), true},
        MatchCase{"organisation not listed", With(kCold, [](PlacementRule& r) { r.organisations = {"B"}; }), Facts("A"),
                  Age(0, 0), false},
        MatchCase{"size in range",
                  With(kCold,
                       [](PlacementRule& r) {
                         r.minSize = 100;
                         r.maxSize = 1000;
                       }),
                  Facts(), Age(0, 0, 1000), true},
        MatchCase{"size below range", With(kCold, [](PlacementRule& r) { r.minSize = 100; }), Facts(), Age(0, 0, 99),
                  false},
        MatchCase{"size above range", With(kCold, [](PlacementRule& r) { r.maxSize = 1000; }), Facts(), Age(0, 0, 1001),
                  false},
        MatchCase{"max size 0 = no limit", With(kCold, [](PlacementRule& r) { r.maxSize = 0; }), Facts(),
                  Age(0, 0, uint64_t{1} << 50), true}));

// --- DecidePlacement: tiers, copies, jurisdictions ---

struct PlaceCase {
  const char* what;
  std::vector<PlacementRule> rules;
  ObjectFacts facts;
  std::vector<std::string> tiers;
  std::string rule;
  std::string noteContains;  // "" = the note must be empty
};

class PlaceTest : public ::testing::TestWithParam<PlaceCase> {};

TEST_P(PlaceTest, Places) {
  const auto& c = GetParam();
  const Placement p = DecidePlacement(c.rules, Tiers(), Law(), "hot", c.facts, Age(400, 400), kNow);
  EXPECT_EQ(p.tiers, c.tiers) << c.what;
  EXPECT_EQ(p.rule, c.rule) << c.what;
  if (c.noteContains.empty()) {
    EXPECT_EQ(p.note, "") << c.what;
  } else {
    EXPECT_NE(p.note.find(c.noteContains), std::string::npos) << c.what << ": " << p.note;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Policy, PlaceTest,
    ::testing::Values(PlaceCase{"no rules", {}, Facts(), {"hot"}, "default", ""},
                      PlaceCase{"first match wins",
                                {Rule("one", {"cold-de"}), Rule("two", {"cold-fr"})},
                                Facts("B"),
                                {"cold-de"},
                                "one",
                                ""},
                      PlaceCase{"later rule when the first does not match",
                                {With(Rule("archival", {"cold-fr"}), [](PlacementRule& r) { r.copyKind = "archival"; }),
                                 Rule("rest", {"cold-de"})},
                                Facts("B"),
                                {"cold-de"},
                                "rest",
                                ""},
                      PlaceCase{"two copies: the first two tiers",
                                {Rule("two", {"warm-de", "cold-de", "cold-fr"}, 2)},
                                Facts("B"),
                                {"warm-de", "cold-de"},
                                "two",
                                ""},
                      PlaceCase{"a foreign tier is skipped, the next allowed one takes its place",
                                {Rule("two", {"cold-us", "cold-fr", "cold-de"}, 2)},
                                Facts("B"),
                                {"cold-fr", "cold-de"},
                                "two",
                                "tier cold-us (US) skipped: organisation B may keep data only in de, FR"},
                      PlaceCase{"only DE for A",
                                {Rule("two", {"cold-us", "cold-fr", "cold-de"}, 2)},
                                Facts("A"),
                                {"cold-de"},
                                "two",
                                "only 1 of 2 copies can be placed"},
                      PlaceCase{"no allowed tier left: default tier",
                                {Rule("abroad", {"cold-us", "cold-fr"})},
                                Facts("A"),
                                {"hot"},
                                "abroad",
                                "no tier of rule abroad is allowed: staying on the default tier hot"},
                      PlaceCase{"a tier of unknown country is never used for a restricted organisation",
                                {Rule("x", {"nowhere"})},
                                Facts("A"),
                                {"hot"},
                                "x",
                                "tier nowhere (country unknown) skipped"},
                      PlaceCase{"an unrestricted organisation may use any tier",
                                {Rule("x", {"nowhere", "cold-us"}, 2)},
                                Facts("Open"),
                                {"nowhere", "cold-us"},
                                "x",
                                ""},
                      PlaceCase{"unlisted organisation uses the default countries",
                                {Rule("x", {"cold-us"})},
                                Facts("Clinic"),
                                {"cold-us"},
                                "x",
                                ""},
                      PlaceCase{"an unconfigured tier is skipped",
                                {Rule("x", {"tape", "cold-de"})},
                                Facts("A"),
                                {"cold-de"},
                                "x",
                                "tier tape skipped: not configured"},
                      PlaceCase{"a tier listed twice counts once",
                                {Rule("x", {"cold-de", "cold-de"}, 2)},
                                Facts("A"),
                                {"cold-de"},
                                "x",
                                "only 1 of 2 copies"}));

// --- CheckRules ---

struct CheckCase {
  const char* what;
  std::vector<PlacementRule> rules;
  std::vector<std::string> problemsContain;  // one entry per expected problem
};

class CheckTest : public ::testing::TestWithParam<CheckCase> {};

TEST_P(CheckTest, Reports) {
  const auto& c = GetParam();
  const auto problems = CheckRules(c.rules, Tiers(), Law());
  ASSERT_EQ(problems.size(), c.problemsContain.size()) << c.what << (problems.empty() ? "" : ": " + problems[0]);
  for (size_t i = 0; i < problems.size(); ++i) {
    EXPECT_NE(problems[i].find(c.problemsContain[i]), std::string::npos) << c.what << ": " << problems[i];
  }
}

INSTANTIATE_TEST_SUITE_P(
    Policy, CheckTest,
    ::testing::Values(
        CheckCase{"good", {Rule("a", {"hot", "cold-de"}, 2), Rule("b", {"cold-fr"})}, {}},
        CheckCase{"unknown tier", {Rule("a", {"tape"})}, {"rule a: unknown tier tape"}},
        CheckCase{"copies 0", {Rule("a", {"hot"}, 0)}, {"rule a: copies must be at least 1"}},
        CheckCase{"copies > tiers", {Rule("a", {"hot", "cold-de"}, 3)}, {"rule a: 3 copies but only 2 tiers"}},
        CheckCase{"no tiers", {Rule("a", {})}, {"rule a: no tiers", "rule a: 1 copies but only 0 tiers"}},
        CheckCase{"organisation that can use none of the tiers",
                  {With(Rule("us", {"cold-us"}), [](PlacementRule& r) { r.organisations = {"A"}; })},
                  {"rule us: organisation A may use none of its tiers (allowed countries: DE)"}},
        CheckCase{"organisation that can use fewer tiers than copies",
                  {With(Rule("two", {"cold-de", "cold-fr"}, 2), [](PlacementRule& r) { r.organisations = {"A"}; })},
                  {"rule two: organisation A may use only 1 of its tiers, fewer than 2 copies"}},
        CheckCase{"organisation that can use them",
                  {With(Rule("two", {"cold-de", "cold-fr"}, 2), [](PlacementRule& r) { r.organisations = {"B"}; })},
                  {}},
        CheckCase{"unknown copy kind",
                  {With(Rule("a", {"hot"}), [](PlacementRule& r) { r.copyKind = "derived"; })},
                  {"unknown copy kind derived"}},
        CheckCase{"size range never matches",
                  {With(Rule("a", {"hot"}),
                        [](PlacementRule& r) {
                          r.minSize = 10;
                          r.maxSize = 5;
                        })},
                  {"never matches"}},
        CheckCase{"duplicate name and tier",
                  {Rule("a", {"hot"}), Rule("a", {"hot", "hot"})},
                  {"rule a: name used twice", "tier hot listed twice"}},
        CheckCase{"unnamed rule", {Rule("", {"tape"})}, {"rule #1: unknown tier tape"}}));

// --- RetainUntil ---

constexpr int64_t k20240229 = 1709164800;
constexpr int64_t k20440229 = 2340316800;
constexpr int64_t k20250228 = 1740700800;
constexpr int64_t k20230315 = 1678838400;
constexpr int64_t k20330315 = 1994457600;
constexpr int64_t k20430315 = 2309990400;
constexpr int64_t k20200101 = 1577836800;
constexpr int64_t k20300101 = 1893456000;
constexpr int64_t k20400101 = 2208988800;

struct RetainCase {
  const char* what;
  std::vector<RetentionRule> rules;
  std::string organisation;
  int64_t lastVisit;
  int64_t createdAt;
  int64_t until;
};

class RetainTest : public ::testing::TestWithParam<RetainCase> {};

TEST_P(RetainTest, Computes) {
  const auto& c = GetParam();
  EXPECT_EQ(RetainUntil(c.rules, Law(), c.organisation, c.lastVisit, c.createdAt), c.until) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Policy, RetainTest,
    ::testing::Values(
        RetainCase{"no rules", {}, "A", k20230315, k20230315, 0},
        RetainCase{"20 years after a leap day", {{"", "", 20, 0}}, "A", k20240229, k20240229, k20440229},
        RetainCase{"1 year after a leap day", {{"", "", 1, 0}}, "A", k20240229, k20240229, k20250228},
        RetainCase{"20 years after 15 March", {{"", "", 20, 0}}, "A", k20230315, k20230315, k20430315},
        RetainCase{"time of day kept", {{"", "", 20, 0}}, "A", k20230315 + 3661, k20230315, k20430315 + 3661},
        RetainCase{"after creation", {{"", "", 0, 10}}, "A", k20200101, k20230315, k20330315},
        RetainCase{"unknown last visit counts creation", {{"", "", 10, 0}}, "A", 0, k20230315, k20330315},
        RetainCase{"the longest of the matching rules",
                   {{"", "", 10, 0}, {"", "", 0, 10}, {"A", "", 20, 0}},
                   "A",
                   k20200101,
                   k20230315,
                   k20400101},
        RetainCase{"another organisation's rule does not apply", {{"B", "", 30, 0}}, "A", k20200101, k20200101, 0},
        RetainCase{"by country of the organisation (case-insensitive)",
                   {{"", "de", 10, 0}, {"", "FR", 30, 0}},
                   "B",
                   k20200101,
                   k20200101,
                   k20300101},
        RetainCase{"unlisted organisation: first default country",
                   {{"", "DE", 10, 0}, {"", "US", 30, 0}},
                   "Clinic",
                   k20200101,
                   k20200101,
                   k20300101},
        RetainCase{"no country: country rules never match", {{"", "DE", 10, 0}}, "Open", k20200101, k20200101, 0},
        RetainCase{"fraction of a year: mean Gregorian days",
                   {{"", "", 0.5, 0}},
                   "A",
                   k20200101,
                   k20200101,
                   k20200101 + 15778476}));

TEST(Policy, RetainUntilBeforeTheEpoch) {
  // 1969-12-31 + 1 year = 1970-12-31.
  EXPECT_EQ(RetainUntil({{"", "", 1, 0}}, Law(), "A", -kDay, -kDay), 364 * kDay);
}

}  // namespace
