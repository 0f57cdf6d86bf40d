#include <gtest/gtest.h>

#include "ProcedureRecord.h"

using namespace va::plugin;

namespace {

TEST(ProcedureRecordTest, VideoKindNamesAreTheUploadValues) {
  EXPECT_STREQ(ToString(VideoKind::Endoscopic), "endoscopic");
  EXPECT_STREQ(ToString(VideoKind::Microscopic), "microscopic");
  EXPECT_STREQ(ToString(VideoKind::Photographic), "photographic");
}

TEST(ProcedureRecordTest, StereoLayoutNamesAreTheUploadValues) {
  EXPECT_STREQ(ToString(StereoLayout::None), "none");
  EXPECT_STREQ(ToString(StereoLayout::SideBySide), "side-by-side");
  EXPECT_STREQ(ToString(StereoLayout::TopBottom), "top-bottom");
}

TEST(ProcedureRecordTest, MetadataErrorNamesTheField) {
  const MetadataError e("patientBirthDate", "is in the future");
  EXPECT_EQ(e.field(), "patientBirthDate");
  EXPECT_STREQ(e.what(), "metadata field 'patientBirthDate': is in the future");
}

}  // namespace
