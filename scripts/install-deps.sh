#!/usr/bin/env bash
# Installs every Debian 12 package the build, the server and the tests need. Idempotent; run as root.
set -euo pipefail
packages=(
  # build
  cmake g++ make pkg-config clang libclang-rt-14-dev clang-format clang-tidy
  # Orthanc, its SDK and the DICOMweb plugin
  orthanc orthanc-dev orthanc-dicomweb
  # libraries
  libdcmtk-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libx265-dev
  libboost-dev libssl-dev libsqlite3-dev libjsoncpp-dev libgtest-dev libgmock-dev
  libcurl4-openssl-dev libxml2-dev libpq-dev libarchive-dev
  # real tools the tests drive
  dcmtk ffmpeg dicom3tools python3-pydicom curl iproute2 util-linux time procps bc
  # the tus gateway (config/nginx-tus.conf.in)
  nginx-light
  # a real browser for the playback tests (headless, driven by playwright-core; plays H.264, not HEVC)
  chromium
  # the storage tests' real servers: a single-node Ceph (S3 through radosgw) and PostgreSQL (tests/services/)
  ceph-mon ceph-osd radosgw ceph-common ceph-base postgresql
)
# Node.js runs the off-the-shelf JavaScript clients of the tests; keep an existing installation (e.g. NodeSource's,
# which bundles npm and conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # The orthanc package starts a system service; keep it from grabbing ports during the install where possible.
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's postgresql package creates a system cluster ("15 main", port 5432) and may start it; the services tests
# start their own server (tests/services/postgres.sh), so keep it stopped and out of the boot sequence.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _port status _rest; do
    if [ -f "/etc/postgresql/$version/$cluster/start.conf" ]; then
      sed -i 's/^auto$/manual/' "/etc/postgresql/$version/$cluster/start.conf"
    fi
    case "$status" in online*) pg_ctlcluster "$version" "$cluster" stop || true ;; esac
  done
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now postgresql >/dev/null 2>&1 || true
fi

# Debian's nginx package may start a system service on port 80; the archive's tests start their own instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi

# The JavaScript clients (tus-js-client, playwright-core, hls.js, dicomweb-client, xhr2), pinned by package-lock.json.
# playwright-core downloads no browser: the tests drive Debian's /usr/bin/chromium.
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here/tests/integration/js" && npm ci --no-audit --no-fund --loglevel=error)

# The player page (orthanc-plugin/assets/player.html) loads hls.js from /video-archive/assets/hls.min.js; the
# plugin serves it from orthanc-plugin/assets/vendor/ (git-ignored), copied from the pinned npm package.
mkdir -p "$here/orthanc-plugin/assets/vendor"
install -m 644 "$here/tests/integration/js/node_modules/hls.js/dist/hls.min.js" \
  "$here/orthanc-plugin/assets/vendor/hls.min.js"
