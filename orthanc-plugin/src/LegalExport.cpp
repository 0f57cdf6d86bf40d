#include "LegalExport.h"

#include <atomic>
#include <ctime>
#include <filesystem>

#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "ProvenanceService.h"
#include "ScratchFolder.h"
#include "SecurityService.h"
#include "SourceAttachment.h"
#include "StudyInstances.h"
#include "va/archive/LegalPackage.h"
#include "va/archive/ObjectStore.h"
#include "va/archive/Sha256.h"
#include "va/dicom/HeaderAttributes.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

using archive::CustodyEvent;

std::string IsoTime(int64_t unixSeconds) {
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

CustodyEvent Event(const std::string& time, const std::string& kind, const std::string& subject) {
  CustodyEvent e;
  e.time = time;
  e.kind = kind;
  e.subject = subject;
  return e;
}

std::string Metadata(const std::string& instanceId, const std::string& name) {
  std::string value;
  return RestGetIfFound("/instances/" + instanceId + "/metadata/" + name, value) ? value : "";
}

// Orthanc's ReceptionDate is "YYYYMMDDTHHMMSS" in UTC.
std::string ReceptionTime(const std::string& orthancDate) {
  if (orthancDate.size() < 15) return IsoTime(std::time(nullptr));
  return orthancDate.substr(0, 4) + "-" + orthancDate.substr(4, 2) + "-" + orthancDate.substr(6, 2) + "T" +
         orthancDate.substr(9, 2) + ":" + orthancDate.substr(11, 2) + ":" + orthancDate.substr(13, 2) + "Z";
}

void AddQuality(CustodyEvent& e, const std::string& qualityJson) {
  Json::Value q;
  try {
    q = ParseJson(qualityJson);
  } catch (const std::exception&) {
    return;
  }
  for (const char* key : {"PsnrY", "MinPsnrY", "Ssim", "GatePassed", "Verified", "SourceFrames", "Encoder",
                          "SourceBitstreamSha256", "SourceDeleted"}) {
    if (q.isMember(key)) e.details.emplace_back(key, q[key].isString() ? q[key].asString() : WriteJson(q[key], false));
  }
  if (q.isMember("Provenance"))
    e.details.emplace_back("WatermarkId", q["Provenance"].get("WatermarkId", "").asString());
}

}  // namespace

std::string LegalExportFolder(const Configuration& config, const std::string& studyUid) {
  return (std::filesystem::path(config.workDirectory) / "exports" / studyUid).string();
}

LegalExportResult BuildLegalExport(PluginState& state, const std::string& studyUid, const std::string& requestedBy) {
  if (!state.provenance) throw HttpError{503, "provenance keys are not loaded"};
  const std::vector<StudyInstance> instances = InstancesOfStudy(studyUid);
  if (instances.empty()) throw HttpError{404, "study " + studyUid + " is not stored here"};

  static std::atomic<uint64_t> counter{0};
  const int64_t now = std::time(nullptr);
  LegalExportResult result;
  result.id = "export-" + std::to_string(now) + "-" + std::to_string(++counter) + ".tar";
  std::filesystem::create_directories(LegalExportFolder(state.config, studyUid));
  result.path = (std::filesystem::path(LegalExportFolder(state.config, studyUid)) / result.id).string();
  const ScratchFolder scratch(state.config.workDirectory,
                              "export-" + std::to_string(now) + "-" + std::to_string(counter));

  archive::LegalPackageWriter writer(result.path, studyUid, state.provenance->Signer(), "va-archive (Orthanc plugin)");
  std::vector<archive::ObjectState> objects;
  if (state.store) objects = state.store->StatesOfStudy(studyUid, now);

  for (size_t n = 0; n < instances.size(); ++n) {
    const StudyInstance& i = instances[n];
    const std::filesystem::path copy = scratch / (std::to_string(n) + ".dcm");
    const std::string file = LocateSourceFile(state.config, i.orthancId, copy);
    const std::string dicomName = "dicom/" + i.sopInstanceUid + ".dcm";
    const archive::PackageEntry entry = writer.AddFile(dicomName, file, "dicom");
    ++result.files;

    // Every header attribute, hashed: the verifier names the one that changed.
    for (const dicom::HeaderAttribute& a : dicom::ListHeaderAttributes(file)) {
      CustodyEvent e = Event(IsoTime(now), "header", dicomName);
      archive::Sha256 h;
      h.Update(a.value.data(), a.value.size());
      e.details = {{"tag", a.tag}, {"keyword", a.keyword}, {"sha256", h.HexDigest()}};
      writer.AddCustody(e);
      ++result.custodyEvents;
    }

    // The video as a file of its own: what a player opens and the verifier scans.
    {
      dicom::VideoInstanceReader reader(file);
      const dicom::VideoTransferSyntax* ts = dicom::FindVideoTransferSyntax(reader.header().transferSyntaxUid);
      if (ts != nullptr) {
        const bool mp4 = ts->codec != dicom::VideoCodec::Mpeg2;
        const std::filesystem::path video = scratch / (std::to_string(n) + (mp4 ? ".mp4" : ".mpg"));
        reader.ExtractBitstream(video.string());
        writer.AddFile("video/" + i.sopInstanceUid + (mp4 ? ".mp4" : ".mpg"), video.string(), mp4 ? "mp4" : "mpeg2");
        std::filesystem::remove(video);
        ++result.files;
      }
    }
    std::error_code ignored;
    std::filesystem::remove(copy, ignored);

    CustodyEvent ingest = Event(ReceptionTime(Metadata(i.orthancId, "ReceptionDate")), "ingest", i.sopInstanceUid);
    ingest.details = {{"file", dicomName},
                      {"sha256", entry.sha256},
                      {"size", std::to_string(entry.size)},
                      {"origin", Metadata(i.orthancId, "Origin")},
                      {"remoteAet", Metadata(i.orthancId, "RemoteAET")},
                      {"orthancId", i.orthancId}};
    writer.AddCustody(ingest);
    ++result.custodyEvents;

    if (const auto derived = state.catalog->FindDerivedById(i.orthancId)) {
      CustodyEvent t = Event(IsoTime(now), "transcode", i.sopInstanceUid);
      t.details = {{"sourceSopInstanceUid", derived->sourceSopUid},
                   {"gatePassed", derived->gatePassed ? "yes" : "no"},
                   {"sourceDeleted", derived->sourceDeleted ? "yes" : "no"}};
      AddQuality(t, derived->qualityJson);
      writer.AddCustody(t);
      ++result.custodyEvents;
    }
  }

  for (const archive::ObjectState& o : objects) {
    CustodyEvent stored = Event(IsoTime(o.createdAt), "stored", o.facts.sopInstanceUid);
    stored.details = {{"object", o.id},
                      {"sha256", o.sha256},
                      {"size", std::to_string(o.size)},
                      {"storedSha256", o.storedSha256},
                      {"copyKind", o.facts.copyKind}};
    for (const archive::CopyState& c : o.copies)
      stored.details.emplace_back("copy." + c.tier,
                                  c.state + (c.verifiedAt ? " verified " + IsoTime(c.verifiedAt) : ""));
    writer.AddCustody(stored);
    ++result.custodyEvents;
    for (const auto& ev : state.store->Events(o.id, 1000)) {
      CustodyEvent m = Event(IsoTime(ev.at), ev.kind, o.facts.sopInstanceUid);
      m.details = {{"object", o.id}, {"detail", ev.detail}};
      writer.AddCustody(m);
      ++result.custodyEvents;
    }
  }

  for (const archive::WatermarkRecord& w : state.catalog->WatermarksOfStudy(studyUid)) {
    CustodyEvent m = Event(IsoTime(w.createdAt), "watermark", w.sopInstanceUid);
    m.details = {
        {"archiveId", archive::HexArchiveId(w.archiveId)}, {"kind", w.kind}, {"sourceSopInstanceUid", w.sourceSopUid}};
    writer.AddCustody(m);
    ++result.custodyEvents;
  }

  if (state.security) {
    archive::AuditQuery q;
    q.studyUid = studyUid;
    q.limit = 100000;
    for (const archive::AuditRecord& r : state.security->Trail().Query(q)) {
      CustodyEvent a = Event(r.IsoTime(), "access", r.event.resource);
      a.details = {{"sequence", std::to_string(r.sequence)},
                   {"actor", r.event.actor},
                   {"role", r.event.role},
                   {"organisation", r.event.organisation},
                   {"source", r.event.sourceAddress},
                   {"action", r.event.action},
                   {"outcome", r.event.outcome},
                   {"hash", r.hash}};
      writer.AddCustody(a);
      ++result.custodyEvents;
    }
  }

  CustodyEvent exported = Event(IsoTime(now), "export", studyUid);
  exported.details = {{"requestedBy", requestedBy}, {"keyId", state.provenance->KeyId()}};
  writer.AddCustody(exported);
  ++result.custodyEvents;
  writer.Finish();

  result.size = std::filesystem::file_size(result.path);
  result.sha256 = archive::Sha256::OfFile(result.path);
  return result;
}

}  // namespace va::plugin
