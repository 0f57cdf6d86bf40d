#!/usr/bin/env bash
# Installs what is needed, builds, and runs Orthanc with the video archive and DICOMweb plugins on the embedded
# default (SQLite index + storage in ./data), with the nginx tus gateway. Ctrl-C stops both.
# Environment: DATA_DIR, HTTP_PORT, DICOM_PORT, AET, TUS_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
bash scripts/build.sh
data=${DATA_DIR:-$root/data}
http=${HTTP_PORT:-8042} dicom=${DICOM_PORT:-4242} aet=${AET:-VIDEOARCHIVE} tus=${TUS_PORT:-8043}
mkdir -p "$data"
config="$data/orthanc.json"
if [ ! -f "$config" ]; then
  bash scripts/make-config.sh "$data" "$root/build/orthanc-plugin/libOrthancVideoArchive.so" "$config" \
    "$http" "$dicom" "$aet"
  # Security on: every HTTP request needs a user or an API token, and leaves an audit record. The first admin's
  # password is made here, kept in $data/admin-password (only root can read it), and only its hash is in the
  # configuration.
  (umask 077; openssl rand -base64 18 > "$data/admin-password")
  python3 - "$config" "$data/admin-password" <<'PY'
import base64, hashlib, json, os, sys
config, password_file = sys.argv[1], sys.argv[2]
password = open(password_file).read().strip()
salt = os.urandom(16)
digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 200000)
text = "\n".join(l for l in open(config).read().splitlines() if not l.strip().startswith("//"))
c = json.loads(text)
c["VideoArchive"]["Security"] = {"Enable": True, "Users": {"admin": {
    "PasswordHash": "pbkdf2-sha256$200000$%s$%s" % (base64.b64encode(salt).decode(), base64.b64encode(digest).decode()),
    "Role": "admin"}}}
json.dump(c, open(config, "w"), indent=2)
PY
fi
# Debian's orthanc package starts its own service on 4242/8042 at install time; this server replaces it here.
if command -v systemctl >/dev/null && systemctl is-active --quiet orthanc 2>/dev/null; then
  echo "Stopping Debian's own orthanc service so that this server can use its ports."
  systemctl stop orthanc
fi
cat <<INFO
------------------------------------------------------------------
 Medical video archive (Orthanc + video-archive + DICOMweb)
 DICOM : AE title $aet, port $dicom   (e.g. storescu -aec $aet -R -xn localhost $dicom video.dcm)
 HTTP  : http://localhost:$http/       (REST, /jobs, /video-archive/system, /dicom-web/)
 Login : user admin, password in $data/admin-password   (curl -u "admin:\$(cat $data/admin-password)" ...)
         API tokens for recorders and services: POST /video-archive/security/tokens (docs/security.md)
 tus   : http://localhost:$tus/video-archive/uploads   (nginx gateway for standard tus clients)
 Data  : $data   (configuration: $config)
------------------------------------------------------------------
INFO
# The tus gateway: nginx maps HEAD/PATCH/OPTIONS onto the methods Orthanc knows (config/nginx-tus.conf.in).
bash scripts/make-nginx-config.sh "$data/nginx" "$tus" "127.0.0.1:$http" "$data/nginx.conf"
nginx -c "$data/nginx.conf" -g 'daemon off;' &
gateway=$!
trap 'kill $gateway 2>/dev/null || true' EXIT
Orthanc "$config"
