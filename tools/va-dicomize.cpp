// va-dicomize: wraps an encoded video file (MP4 with H.264/HEVC, MPEG-2 PS/TS) into a DICOM VL video instance
// without re-encoding. Used to build test inputs from real clips, and by operators to import recordings.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "va/codec/Probe.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace {

int Usage() {
  std::cerr << "usage: va-dicomize INPUT OUTPUT.dcm [--ts UID] [--sop endoscopic|microscopic|photographic]\n"
               "       [--patient-id ID] [--patient-name NAME] [--study-uid UID] [--series-uid UID]\n"
               "       [--sop-uid UID] [--study-description TEXT] [--accession NUMBER] [--instance-number N]\n"
               "       [--manufacturer TEXT] [--model TEXT] [--serial TEXT] [--institution TEXT]\n"
               "       [--birth-date YYYYMMDD] [--force]\n"
               "Wraps the encoded stream as it is; the transfer syntax is chosen from the codec unless --ts is given.\n"
               "--force writes the instance even when the stream exceeds the syntax's limits (for tests).\n";
  return 2;
}

std::string ChooseTransferSyntax(const va::codec::StreamInfo& info) {
  if (info.codecName == "mpeg2video") {
    return (info.width <= 720 && info.height <= 576) ? "1.2.840.10008.1.2.4.100" : "1.2.840.10008.1.2.4.101";
  }
  if (info.codecName == "h264") return "1.2.840.10008.1.2.4.102";
  if (info.codecName == "hevc") return info.bitDepth > 8 ? va::dicom::kHevcMain10Uid : va::dicom::kHevcMainUid;
  throw std::runtime_error("codec " + info.codecName + " has no DICOM video transfer syntax; transcode it first");
}

std::string MethodFor(va::dicom::VideoCodec codec) {
  switch (codec) {
    case va::dicom::VideoCodec::Mpeg2: return "ISO_13818_2";
    case va::dicom::VideoCodec::H264: return "ISO_14496_10";
    case va::dicom::VideoCodec::Hevc: return "ISO_23008_2";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::map<std::string, std::string> options;
  bool force = false;
  for (int i = 3; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--force") {
      force = true;
    } else if (key.rfind("--", 0) == 0 && i + 1 < argc) {
      options[key] = argv[++i];
    } else {
      return Usage();
    }
  }
  try {
    const va::codec::StreamInfo info = va::codec::Probe(argv[1]);
    const std::string tsUid = options.count("--ts") ? options["--ts"] : ChooseTransferSyntax(info);
    const va::dicom::VideoTransferSyntax* ts = va::dicom::FindVideoTransferSyntax(tsUid);
    if (ts == nullptr) throw std::runtime_error(tsUid + " is not a video transfer syntax");
    const double fps = info.fpsDen > 0 ? static_cast<double>(info.fpsNum) / info.fpsDen : 0;
    const std::string misfit = va::dicom::CheckFits(*ts, info.width, info.height, fps, info.bitDepth);
    if (!misfit.empty() && !force) throw std::runtime_error(misfit);

    va::dicom::NewVideoSpec spec;
    spec.bitstreamPath = argv[1];
    spec.pixels.transferSyntaxUid = tsUid;
    spec.pixels.rows = info.height;
    spec.pixels.columns = info.width;
    spec.pixels.numberOfFrames = static_cast<long>(info.frameCount);
    spec.pixels.frameTimeMs = fps > 0 ? 1000.0 / fps : 0;
    spec.pixels.bitsAllocated = info.bitDepth > 8 ? 16 : 8;
    spec.pixels.bitsStored = info.bitDepth;
    spec.pixels.highBit = info.bitDepth - 1;
    const std::string sop = options.count("--sop") ? options["--sop"] : "endoscopic";
    const std::map<std::string, std::pair<std::string, std::string>> classes = {
        {"endoscopic", {"1.2.840.10008.5.1.4.1.1.77.1.1.1", "ES"}},
        {"microscopic", {"1.2.840.10008.5.1.4.1.1.77.1.2.1", "GM"}},
        {"photographic", {"1.2.840.10008.5.1.4.1.1.77.1.4.1", "XC"}}};
    if (classes.count(sop) == 0) return Usage();
    spec.sopClassUid = classes.at(sop).first;
    spec.modality = classes.at(sop).second;
    spec.patientId = options.count("--patient-id") ? options["--patient-id"] : "VA-TEST-001";
    spec.patientName = options.count("--patient-name") ? options["--patient-name"] : "Test^Video";
    spec.studyInstanceUid = options["--study-uid"];
    spec.seriesInstanceUid = options["--series-uid"];
    spec.sopInstanceUid = options["--sop-uid"];
    spec.studyDescription = options.count("--study-description") ? options["--study-description"] : "Video test";
    spec.accessionNumber = options["--accession"];
    if (options.count("--instance-number")) spec.instanceNumber = std::stoi(options["--instance-number"]);
    spec.seriesDescription = "Recording " + info.codecName;
    spec.manufacturer =
        options.count("--manufacturer") ? options["--manufacturer"] : "orthanc-video-archive va-dicomize";
    spec.modelName = options["--model"];
    spec.deviceSerialNumber = options["--serial"];
    spec.institutionName = options["--institution"];
    spec.patientBirthDate = options["--birth-date"];
    spec.lossyCompressionMethod = MethodFor(ts->codec);
    va::dicom::WriteNewVideoInstance(spec, argv[2]);
    std::cout << argv[2] << ": " << ts->name << ", " << info.width << "x" << info.height << ", " << info.frameCount
              << " frames at " << fps << " fps\n";
  } catch (const std::exception& e) {
    std::cerr << "va-dicomize: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
