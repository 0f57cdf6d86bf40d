#!/usr/bin/env bash
# The conformance suite in one command: starts a real Orthanc with this plugin inside a private network namespace
# (loopback only), drives it with third-party clients only (DCMTK, dcmjs-dimse, dicomweb-client, curl), judges every
# object and video it creates with dciodvfy, pydicom and ffprobe, and writes conformance/RESULTS.md.
# Needs what scripts/install-deps.sh installs and a build (made here when missing). Exit status 0 only if every
# check passed. RESULTS=path writes the table elsewhere.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${VA_BUILD_DIR:-$here/build}
if [ ! -f "$build/orthanc-plugin/libOrthancVideoArchive.so" ] || [ ! -x "$build/tools/va-dicomize" ]; then
  BUILD_DIR=$build bash "$here/scripts/build.sh"
fi
export VA_BUILD_DIR=$build VA_SOURCE_DIR=$here PYTHONDONTWRITEBYTECODE=1
exec "$here/tests/integration/netns-run.sh" /usr/bin/python3 -W ignore::ResourceWarning \
  "$here/conformance/suite/main.py" --results "${RESULTS:-$here/conformance/RESULTS.md}" "$@"
