#include "va/dicom/HeaderAttributes.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <cstdio>

#include "va/dicom/DicomError.h"

namespace va::dicom {
namespace {

std::string TagText(const DcmTagKey& key) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", key.getGroup(), key.getElement());
  return buf;
}

void Collect(DcmItem& item, const std::string& prefix, std::vector<HeaderAttribute>& out) {
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* e = item.getElement(i);
    if (e == nullptr || e->getTag() == DCM_PixelData) continue;
    DcmTag tag = e->getTag();  // a copy: getTagName() is not const
    HeaderAttribute a;
    a.tag = prefix + TagText(tag);
    a.keyword = tag.isPrivate() ? "" : tag.getTagName();
    if (a.keyword == DcmTag_ERROR_TagName) a.keyword.clear();
    if (e->ident() == EVR_SQ) {
      auto* seq = static_cast<DcmSequenceOfItems*>(e);
      a.value = std::to_string(seq->card()) + " items";
      out.push_back(a);
      for (unsigned long k = 0; k < seq->card(); ++k)
        Collect(*seq->getItem(k), a.tag + "[" + std::to_string(k) + "]", out);
      continue;
    }
    OFString value;
    if (e->getOFStringArray(value).good()) a.value = value.c_str();
    out.push_back(a);
  }
}

}  // namespace

std::vector<HeaderAttribute> ListHeaderAttributes(const std::string& path) {
  DcmFileFormat file;
  // Pixel data stays on disk: only its tag is skipped, never its (possibly huge) value read.
  const OFCondition status = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096);
  if (status.bad()) throw DicomError("cannot read DICOM file " + path + ": " + status.text());
  std::vector<HeaderAttribute> out;
  Collect(*file.getMetaInfo(), "", out);
  Collect(*file.getDataset(), "", out);
  return out;
}

}  // namespace va::dicom
