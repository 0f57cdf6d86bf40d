// Bearer tokens and stored password hashes come from outside the process (HTTP clients, configuration files): the
// token check must classify any bytes without throwing or crashing, and the password check must return false for
// anything that is not a hash it made. The input is tried as a token secret, as an encoded password hash, and as a
// password against a fixed hash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "va/archive/AccessStore.h"

namespace {

constexpr int64_t kNow = 1795865065;

// An in-memory database: nothing is left on disk however the fuzzer ends.
struct Fixture {
  Fixture() {
    db = va::archive::OpenSqlDatabase("SQLite", ":memory:");
    store = std::make_unique<va::archive::AccessStore>(*db);
    valid = store->IssueToken("fuzz", "clinician", "north", "", kNow + 3600, "fuzz", kNow).secret;
    const std::string revoked = store->IssueToken("fuzz", "admin", "", "", kNow + 3600, "fuzz", kNow).secret;
    store->RevokeToken(revoked.substr(4, 16), "fuzz", kNow);
    hash = va::archive::HashPassword("secret", 2);
  }
  std::unique_ptr<va::archive::SqlDatabase> db;
  std::unique_ptr<va::archive::AccessStore> store;
  std::string valid;
  std::string hash;
};

// A crafted iteration count is legal up to the library's cap (10 million); so much hashing per input would only
// slow the fuzzer down, so large counts are tried as passwords only.
bool CheapHash(const std::string& text) {
  const size_t first = text.find('$');
  if (first == std::string::npos) return true;
  const size_t second = text.find('$', first + 1);
  const std::string count =
      text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  return count.size() <= 4;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  const std::string input(reinterpret_cast<const char*>(data), size);

  va::archive::TokenInfo info;
  const va::archive::TokenCheck check = fixture.store->CheckToken(input, kNow, &info);
  if (check == va::archive::TokenCheck::Valid && input != fixture.valid) __builtin_trap();
  if (check != va::archive::TokenCheck::Malformed && input.size() != 64) __builtin_trap();
  if (va::archive::ToString(check) == nullptr) __builtin_trap();

  if (CheapHash(input)) (void)va::archive::VerifyPassword("secret", input);
  if (va::archive::VerifyPassword(input, fixture.hash) != (input == "secret")) __builtin_trap();
  return 0;
}
