#!/usr/bin/env bash
# Writes an nginx configuration for the tus gateway: make-nginx-config.sh PREFIX LISTEN ORTHANC OUT
set -euo pipefail
prefix=$1 listen=$2 orthanc=$3 out=$4
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$prefix"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@LISTEN@|$listen|g" -e "s|@ORTHANC@|$orthanc|g" \
  "$here/config/nginx-tus.conf.in" >"$out"
