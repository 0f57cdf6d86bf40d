// Shared helpers for the codec unit tests: clip paths, scratch files, MP4 box walking, running ffmpeg.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace va::codec::test {

std::string Clip(const std::string& name);  // a file of VA_TESTDATA/clips

// A per-process scratch directory under the system temp dir, removed at exit.
std::string Scratch(const std::string& name);

std::vector<uint8_t> ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);

// Top-level ISO BMFF box types in file order ("ftyp", "moov", "mdat", ...).
std::vector<std::string> TopLevelBoxes(const std::string& path);

bool HaveFfmpeg();
// Makes Scratch(name) with `ffmpeg -nostdin -v error -y ARGS OUT` and returns its path; throws (failing the test)
// with ffmpeg's output when ffmpeg fails.
std::string MakeWithFfmpeg(const std::string& name, const std::string& args);
// Runs a shell command; returns its exit status and stdout+stderr in output.
int Run(const std::string& command, std::string* output = nullptr);

}  // namespace va::codec::test
