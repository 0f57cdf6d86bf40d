#!/usr/bin/env bash
# Writes an Orthanc configuration for this plugin from config/orthanc.json.in.
# usage: make-config.sh DATA_DIR PLUGIN_SO OUTPUT [HTTP_PORT] [DICOM_PORT] [AET]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data=$1 plugin=$2 output=$3 http=${4:-8042} dicom=${5:-4242} aet=${6:-VIDEOARCHIVE}
dicomweb=/usr/share/orthanc/plugins/libOrthancDicomWeb.so
sed -e "s|@DATA@|$data|g" -e "s|@PLUGIN@|$plugin|g" -e "s|@DICOMWEB@|$dicomweb|g" \
    -e "s|@HTTP_PORT@|$http|g" -e "s|@DICOM_PORT@|$dicom|g" -e "s|@AET@|$aet|g" \
    "$here/config/orthanc.json.in" > "$output"
