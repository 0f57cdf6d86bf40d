"""DICOMweb and HTTP services checked with third-party clients: the npm package dicomweb-client (QIDO-RS, WADO-RS,
STOW-RS) and curl; recorder uploads (tus, STOW-RS metadata + bulkdata) that make the server create objects."""
import json
import os
import subprocess
import time

import pydicom

import uploads
from dimse_checks import node_client, tail
from orthanc_server import HTTP_PORT

ROOT = f"http://127.0.0.1:{HTTP_PORT}"
# The archive's DICOMweb root: video in its stored syntax, everything else forwarded to the DICOMweb plugin.
DICOMWEB = f"{ROOT}/video-archive/dicom-web"
# The DICOMweb plugin's own root (the archive's root hands STOW-RS of DICOM files to it).
DICOMWEB_PLUGIN = f"{ROOT}/dicom-web"
DICOMWEB_JS = os.path.join(os.path.dirname(__file__), "..", "clients", "dicomweb.cjs")
RETRIEVE_JS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration", "js",
                           "dicomweb-retrieve.cjs")
BOUNDARY = "conformance-suite-boundary-51c2"


def dicomweb(command, *args, root=DICOMWEB):
    return node_client(DICOMWEB_JS, [command, "--url", root, *args])


def value(dataset_json, tag):
    v = dataset_json.get(tag, {}).get("Value", [None])
    return v[0] if v else None


def dicomweb_checks(results, workdir, study, counts, instances, stow_files):
    """QIDO at three levels, WADO metadata and instance retrieval of one instance per syntax, STOW of a file."""
    a = dicomweb("qido-studies", "--filter", f"StudyInstanceUID={study}")
    results.add("DICOMweb", "dicomweb-client", "QIDO-RS searchForStudies", "the suite's study",
                a["ok"] and len(a.get("results", [])) == 1, f"{len(a.get('results', []))} study" if a["ok"] else
                a.get("error"))
    a = dicomweb("qido-series", "--study", study)
    n_series, n_instances = counts
    got = len(a.get("results", []))
    results.add("DICOMweb", "dicomweb-client", "QIDO-RS searchForSeries", "the suite's study",
                a["ok"] and got == n_series, f"{got} series, expected {n_series}" if a["ok"] else a.get("error"))
    a = dicomweb("qido-instances", "--study", study)
    got = len(a.get("results", []))
    results.add("DICOMweb", "dicomweb-client", "QIDO-RS searchForInstances", "the suite's study",
                a["ok"] and got == n_instances, f"{got} instances, expected {n_instances}" if a["ok"] else
                a.get("error"))
    for inst in instances:
        ids = ["--study", study, "--series", inst["series"], "--instance", inst["sop"]]
        a = dicomweb("metadata", *ids)
        meta = (a.get("results") or [{}])[0]
        ok = a["ok"] and value(meta, "00080018") == inst["sop"] and value(meta, "00280008") is not None
        results.add("DICOMweb", "dicomweb-client", "WADO-RS retrieveInstanceMetadata", inst["label"], ok,
                    f"SOP Instance UID, {value(meta, '00280008')} frames"
                    + (", Pixel Data BulkDataURI" if "7FE00010" in meta else "") if ok else
                    a.get("error") or "incomplete: " + ", ".join(sorted(meta))[:200])
        out = os.path.join(workdir, f"wado-{inst['sop']}.dcm")
        a = dicomweb("retrieve-instance", *ids, "--out", out)
        ok = a["ok"] and os.path.exists(out)
        detail = a.get("error")
        if ok:
            ds = pydicom.dcmread(out, stop_before_pixels=True)
            ok = str(ds.SOPInstanceUID) == inst["sop"] and str(ds.file_meta.TransferSyntaxUID) == inst["ts"]
            detail = f"{a.get('bytes')} bytes, Part 10 in {ds.file_meta.TransferSyntaxUID}"
        results.add("DICOMweb", "dicomweb-client", "WADO-RS retrieveInstance", inst["label"], ok, detail)
    for stow_file, root in zip(stow_files, (DICOMWEB, DICOMWEB_PLUGIN)):
        a = dicomweb("stow", stow_file, root=root)
        sop = str(pydicom.dcmread(stow_file, stop_before_pixels=True).SOPInstanceUID)
        ok = a["ok"] and sop in a.get("stored", [])
        results.add("DICOMweb", "dicomweb-client", f"STOW-RS storeInstances ({root[len(ROOT):]})",
                    os.path.basename(stow_file), ok,
                    "stored (ReferencedSOPSequence)" if ok else a.get("error") or json.dumps(a)[:300])


def h264_on_retrieve(results, workdir, inst, ts):
    """WADO-RS with an H.264 transfer-syntax from the archive's root: the server creates an H.264 instance of the
    video (a new SOP Instance UID); returns the file, judged below like every created object."""
    out = os.path.join(workdir, f"wado-h264-{inst['sop']}.dcm")
    deadline = time.time() + 600
    while True:  # 503 while the H.264 rendition is being made
        a = dicomweb("retrieve-instance", "--study", inst["study"], "--series", inst["series"], "--instance",
                     inst["sop"], "--transfer-syntax", ts, "--out", out)
        if a["ok"] or a.get("httpStatus") != 503 or time.time() > deadline:
            break
        time.sleep(1)
    ok = a["ok"] and os.path.exists(out)
    detail = a.get("error")
    if ok:
        ds = pydicom.dcmread(out, stop_before_pixels=True)
        ok = str(ds.file_meta.TransferSyntaxUID) == ts
        detail = f"{a.get('bytes')} bytes in {ds.file_meta.TransferSyntaxUID}, SOP Instance UID " + \
            ("kept" if str(ds.SOPInstanceUID) == inst["sop"] else "new")
    results.add("DICOMweb", "dicomweb-client", f"WADO-RS retrieveInstance, transfer-syntax={ts}", inst["label"], ok,
                detail)
    return out if ok else None


def rendered_video(results, server, workdir, inst):
    """The rendered MP4 (our WADO-RS rendered route) retrieved with dicomweb-client; returns the file for ffprobe."""
    out = os.path.join(workdir, f"rendered-{inst['sop']}.mp4")
    deadline = time.time() + 600
    while True:  # an HEVC video's H.264 rendition is made by a job: 503 with Retry-After until it is ready
        r = subprocess.run(["node", RETRIEVE_JS, f"{ROOT}/video-archive/dicom-web", inst["study"], inst["series"],
                            inst["sop"], "rendered-video", out], capture_output=True, text=True, timeout=600)
        if r.returncode == 0 or '"status":503' not in r.stdout or time.time() > deadline:
            break
        time.sleep(1)
    ok = r.returncode == 0 and os.path.exists(out)
    results.add("DICOMweb", "dicomweb-client", "WADO-RS retrieveInstanceRendered video/mp4", inst["label"], ok,
                "an MP4 (decoded below)" if ok else tail(r))
    return out if ok else None


# -- recorder uploads: the server wraps files into new DICOM objects ----------------------------------------------
TUS_JS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration", "js", "tus-upload.cjs")


def tus_upload(results, server, gateway, path, label, **record):
    """The npm tus-js-client uploads the file as a recorder would (creation, then PATCH in 1 MiB chunks), through
    the tus gateway (nginx, which turns PATCH into the PUT that Orthanc's HTTP server takes)."""
    rec = uploads.record(**record)
    r = subprocess.run(["node", TUS_JS, f"{gateway.url}/video-archive/uploads", path, json.dumps(rec)],
                       capture_output=True, text=True, timeout=900)
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    done = [e for e in events if e.get("event") == "done"]
    if r.returncode != 0 or not done:
        results.add("Uploads", "tus-js-client", "creation + PATCH through the gateway, then ingest", label, False,
                    tail(r))
        return []
    location = done[-1]["url"]
    u = uploads.wait_upload(server, location[location.index("/video-archive/"):])
    ids = [i["ID"] for s in (u.get("Result") or {}).get("Series", []) for i in s["Instances"]]
    ok = u["State"] == "Done" and ids
    results.add("Uploads", "tus-js-client", "creation + PATCH through the gateway, then ingest", label, ok,
                f"{len(ids)} instance(s) created" if ok else json.dumps(u)[:300])
    return ids


def stow_bulkdata(results, workdir, video, video_type, label):
    meta = [{
        "00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.77.1.1.1"]},
        "00100020": {"vr": "LO", "Value": ["CONF-STOW"]},
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": "CONFORMANCE^STOW"}]},
        "00080050": {"vr": "SH", "Value": ["CONFSTOW1"]},
        "00081030": {"vr": "LO", "Value": ["Conformance suite, STOW-RS bulkdata"]},
        "0008002A": {"vr": "DT", "Value": ["20261127091500+0100"]},
        "7FE00010": {"vr": "OB", "BulkDataURI": "http://recorder.example/bulk/1"},
    }]
    body = os.path.join(workdir, "stow-body")
    with open(body, "wb") as f:
        f.write(f"--{BOUNDARY}\r\nContent-Type: application/dicom+json\r\n\r\n{json.dumps(meta)}\r\n".encode())
        f.write(f"--{BOUNDARY}\r\nContent-Type: {video_type}\r\nContent-Location: http://recorder.example/bulk/1"
                "\r\n\r\n".encode())
        with open(video, "rb") as v:
            f.write(v.read())
        f.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    r = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", "--data-binary", "@" + body, "-H",
                        f'Content-Type: multipart/related; type="application/dicom+json"; boundary={BOUNDARY}',
                        "-H", "Accept: application/dicom+json", f"{ROOT}/video-archive/dicom-web/studies"],
                       capture_output=True, text=True, timeout=900)
    text, status = r.stdout.rsplit("\n", 1)
    answer = json.loads(text) if text.strip() else {}
    refs = answer.get("00081199", {}).get("Value", [])
    sops = [value(ref, "00081155") for ref in refs]
    ok = status == "200" and sops
    results.add("Uploads", "curl (STOW-RS)", "metadata + bulkdata (PS3.18 10.5)", label, ok,
                f"{len(sops)} instance(s) created" if ok else f"HTTP {status}: {text[:300]}")
    return sops
