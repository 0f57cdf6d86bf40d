#include <gtest/gtest.h>

#include "DeletionRequest.h"

using va::plugin::DeletionTargetOf;

TEST(DeletionRequest, ResourceDeletionsAreRecognisedAtEveryLevel) {
  const struct {
    const char* method;
    const char* uri;
    const char* level;
  } cases[] = {
      {"DELETE", "/patients/0946fcb6-cf12ab43-bad958c1-bf057ad5-0fc6f54c", "patient"},
      {"DELETE", "/studies/27f7126f-4f66fb14-03f4081b-f9341db2-53925988", "study"},
      {"DELETE", "/series/ab12-cd34", "series"},
      {"DELETE", "/instances/ab12-cd34/", "instance"},
      {"DELETE", "//instances//ab12-cd34", "instance"},
  };
  for (const auto& c : cases) {
    const auto target = DeletionTargetOf(c.method, c.uri);
    ASSERT_TRUE(target.has_value()) << c.uri;
    EXPECT_EQ(target->level, c.level) << c.uri;
    EXPECT_FALSE(target->bulk);
  }
}

TEST(DeletionRequest, OtherRequestsAreNotDeletions) {
  const char* const uris[] = {"/studies/ab12/instances",
                              "/studies",
                              "/instances/ab12/file",
                              "/video-archive/storage",
                              "/studies/../etc",
                              "/instances/not-an-id!",
                              "",
                              "/",
                              "/instances/ab12/attachments/dicom"};
  for (const char* uri : uris) EXPECT_FALSE(DeletionTargetOf("DELETE", uri).has_value()) << uri;
  EXPECT_FALSE(DeletionTargetOf("GET", "/studies/ab12").has_value());
  EXPECT_FALSE(DeletionTargetOf("DELETE", "/studies/ab12/instances").has_value());
  EXPECT_FALSE(DeletionTargetOf("DELETE", "/studies/not-an-id!").has_value());
  EXPECT_FALSE(DeletionTargetOf("DELETE", "/modalities/x").has_value());
  EXPECT_FALSE(DeletionTargetOf("POST", "/studies/ab12").has_value());
}

TEST(DeletionRequest, BulkDeleteIsRecognised) {
  const auto target = DeletionTargetOf("POST", "/tools/bulk-delete");
  ASSERT_TRUE(target.has_value());
  EXPECT_TRUE(target->bulk);
  EXPECT_FALSE(DeletionTargetOf("GET", "/tools/bulk-delete").has_value());
}
