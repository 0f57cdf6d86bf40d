// va-verify: the stand-alone verifier a reviewer runs offline, with the archive's public key alone.
//   va-verify file FILE [--public-key KEY.pem] [--watermark-secret FILE] [--seconds N] [--no-decode]
//   va-verify package PACKAGE.tar --public-key KEY.pem [--watermark-secret FILE]
// Prints a JSON report; exit status 0 = intact, 1 = altered / unsigned / not found, 2 = usage or unreadable input.
#include <json/json.h>
#include <unistd.h>

extern "C" {
#include <libavutil/log.h>
}

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "va/archive/ProvenanceKeys.h"
#include "va/verify/FileVerifier.h"
#include "va/verify/PackageVerifier.h"

namespace {

const char* kUsage =
    "usage: va-verify file FILE [--public-key KEY.pem] [--watermark-secret FILE] [--watermark-strength S]\n"
    "                        [--seconds N] [--no-decode]\n"
    "       va-verify package PACKAGE.tar --public-key KEY.pem [--watermark-secret FILE] [--no-decode]\n";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch folder removed on every way out.
struct Scratch {
  std::filesystem::path path;
  Scratch() {
    path = std::filesystem::temp_directory_path() / ("va-verify-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

int main(int argc, char** argv) {
  av_log_set_level(AV_LOG_ERROR);
  if (argc < 3) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string mode = argv[1];
  const std::string target = argv[2];
  va::verify::VerifyKeys keys;
  try {
    for (int i = 3; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
        return argv[++i];
      };
      if (a == "--public-key") {
        keys.publicKeyPem = ReadText(value());
      } else if (a == "--watermark-secret") {
        keys.watermarkKey = va::archive::WatermarkSecret::Load(value()).PixelKey();
        keys.haveWatermarkKey = true;
      } else if (a == "--watermark-strength") {
        keys.watermarkParams.strength = std::stod(value());
      } else if (a == "--seconds") {
        keys.watermarkSeconds = std::stod(value());
      } else if (a == "--no-decode") {
        keys.decodePictures = false;
      } else {
        throw std::runtime_error("unknown option " + a);
      }
    }
    const Scratch scratch;
    Json::Value report;
    if (mode == "file") {
      report = va::verify::VerifyFile(target, keys, scratch.path.string());
    } else if (mode == "package") {
      if (keys.publicKeyPem.empty()) throw std::runtime_error("package needs --public-key: the key you trust");
      report = va::verify::VerifyPackage(target, keys, scratch.path.string());
    } else {
      std::cerr << kUsage;
      return 2;
    }
    Json::StreamWriterBuilder w;
    w["indentation"] = "  ";
    std::cout << Json::writeString(w, report) << "\n";
    const std::string verdict = report.get("Verdict", "").asString();
    if (verdict == "intact") return 0;
    return verdict == "unreadable" ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "va-verify: " << e.what() << "\n" << kUsage;
    return 2;
  }
}
