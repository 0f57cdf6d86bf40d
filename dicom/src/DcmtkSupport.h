// Small helpers around DCMTK shared by the reader and the writers (private to the dicom/ library).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <string>
#include <vector>

#include "va/dicom/VideoInstance.h"

namespace va::dicom::detail {

// DCMTK silently creates nothing without its data dictionary (Debian: /usr/share/libdcmtk17/dicom.dic).
void EnsureDictionary();

// Throws DicomError("<what>: <DCMTK reason>") when cond is bad.
void Check(const OFCondition& cond, const std::string& what);

// All values of a top-level string attribute joined by '\'; "" when absent or unreadable.
std::string GetString(DcmItem& item, const DcmTagKey& tag);
std::vector<std::string> GetStrings(DcmItem& item, const DcmTagKey& tag);
long GetLong(DcmItem& item, const DcmTagKey& tag);      // IS / US / UL...; 0 when absent or unparsable
double GetDouble(DcmItem& item, const DcmTagKey& tag);  // DS / FD...; 0 when absent or unparsable

void PutString(DcmItem& item, const DcmTagKey& tag, const std::string& value);
void PutUint16(DcmItem& item, const DcmTagKey& tag, unsigned value);
void PutEmpty(DcmItem& item, const DcmTagKey& tag);  // a zero-length (Type 2) attribute or sequence
// Adds one item to the sequence seqTag (created when missing) holding a code triplet.
void AddCodeItem(DcmItem& parent, const DcmTagKey& seqTag, const char* value, const char* scheme, const char* meaning);
// The item just appended to sequence seqTag (created when missing); owned by the sequence.
DcmItem& AppendItem(DcmItem& parent, const DcmTagKey& seqTag);
// Adds one item holding code (Code Sequence Macro: Long Code Value above 16 characters, URN Code Value for a URN
// or URL). Throws DicomError naming `what` when the scheme or the meaning is missing or the scheme is too long.
void AddCode(DcmItem& parent, const DcmTagKey& seqTag, const CodedConcept& code, const std::string& what);
// The code of the first item of sequence seqTag, from whichever code value attribute it has; empty when absent.
CodedConcept GetCode(DcmItem& parent, const DcmTagKey& seqTag);
// 1 to 64 characters, dot-separated numbers without leading zeros (PS3.5 9.1).
bool IsValidUid(const std::string& uid);

std::string FormatDS(double value);  // decimal string that fits DS (16 characters)
std::string FormatIS(long value);
std::string NowDate();  // YYYYMMDD, local time
std::string NowTime();  // HHMMSS, local time
bool IsAscii(const std::string& s);
// Cuts s to at most maxBytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(const std::string& s, size_t maxBytes);

// Header attributes of a parsed file; transferSyntax is the file's (meta header, or the detected encoding).
InstanceHeader HeaderFromFile(DcmFileFormat& file);

}  // namespace va::dicom::detail
