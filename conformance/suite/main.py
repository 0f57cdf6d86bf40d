"""The conformance suite: a real Orthanc with this plugin, driven by third-party clients only, every object and
video it creates judged by independent tools; writes conformance/RESULTS.md and exits non-zero on any failure.

Run it with `bash conformance/run.sh` (a private network namespace, loopback only)."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import dimse_checks  # noqa: E402
import streams  # noqa: E402
import validators  # noqa: E402
import web_checks  # noqa: E402
from gateway import NginxGateway  # noqa: E402
from orthanc_server import HTTP_PORT, OrthancServer  # noqa: E402
from results import Results, tool_versions, write_markdown  # noqa: E402

LEGACY_AET, LEGACY_PORT = "LEGACY", 11113
STORESCP_H264_ONLY = os.path.join(HERE, "..", "..", "tests", "integration", "config", "storescp-h264-only.cfg")


def new_uid():
    return f"2.25.{uuid.uuid4().int}"


def modalities():
    # Orthanc answers C-FIND / C-GET / C-MOVE only for declared AE titles (DicomAlwaysAllow* are false): the
    # clients' calling AE titles are declared as a site would declare its workstations.
    m = {k: v for k, v in dimse_checks.MODALITIES.items()}
    for aet in ("FINDSCU", "GETSCU", "DCMJSSCU"):
        m[aet.lower()] = [aet, "127.0.0.1", 104]
    m["legacy"] = [LEGACY_AET, "127.0.0.1", LEGACY_PORT]
    return m


def lookup(server, uid, kind):
    found = [r["ID"] for r in server.post("/tools/lookup", uid.encode()) if r["Type"] == kind]
    return found[0] if found else None


def describe(server, instance_id, labels):
    tags = server.get(f"/instances/{instance_id}/tags?simplify")
    sop = tags["SOPInstanceUID"]
    return {"id": instance_id, "sop": sop, "series": tags["SeriesInstanceUID"], "study": tags["StudyInstanceUID"],
            "ts": server.get(f"/instances/{instance_id}/metadata/TransferSyntax"),
            "frames": tags.get("NumberOfFrames"), "label": labels.get(sop, tags.get("SeriesDescription", sop))}


def archive_all(results, server, ids, labels):
    """Waits for the archival transcode of each stored video; labels the copies it made."""
    made = []
    for instance_id in ids:
        task = server.wait_task(instance_id, timeout=900)
        source = labels.get(server.get(f"/instances/{instance_id}/tags?simplify")["SOPInstanceUID"], instance_id)
        if task.get("DerivedInstance"):
            derived = task["DerivedInstance"]
            labels[server.get(f"/instances/{derived}/tags?simplify")["SOPInstanceUID"]] = f"archival copy of: {source}"
            made.append(derived)
        elif task["State"] != "skipped":
            results.add("Objects", "server", "archival transcode", source, False, str(task)[:300])
    return made


def cine_object(results, server):
    """A non-video multi-frame object (real ultrasound cine, JPEG baseline) sent by storescu in its own syntax."""
    path = os.path.join(streams.TESTDATA, "dicom-video", "orthanc-tests_Issue16_US-MF_jpeg50_34f.dcm")
    r = server.storescu(path, "-xy")
    sop = str(validators.pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)
    instance = lookup(server, sop, "Instance") if r.returncode == 0 else None
    results.add("DIMSE", "DCMTK storescu", "C-STORE proposing only -xy", "ultrasound cine, JPEG baseline (real)",
                instance is not None, "stored" if instance else dimse_checks.tail(r))
    return describe(server, instance, {sop: "ultrasound cine, JPEG baseline (real)"})


def stereo_high_association(results, server, workdir, h264_file):
    """No encoder writes MVC, so Stereo High is checked at the association only, with an H.264 High stream whose
    meta header names 1.2.840.10008.1.2.4.106 (same UID length)."""
    data = open(h264_file, "rb").read()
    path = os.path.join(workdir, "stereo-label.dcm")
    old_sop = validators.pydicom.dcmread(h264_file, stop_before_pixels=True).SOPInstanceUID.encode()
    new_sop = old_sop[:-1] + (b"9" if old_sop[-1:] != b"9" else b"8")
    with open(path, "wb") as f:
        f.write(data.replace(b"1.2.840.10008.1.2.4.102", streams.STEREO_HIGH.encode(), 1).replace(old_sop, new_sop))
    r = server.storescu(path, "-xo")
    results.add("DIMSE", "DCMTK storescu", "C-STORE proposing only -xo", "H.264 Stereo High / Level 4.2 "
                "(association only: no MVC encoder exists to make a real stream)", r.returncode == 0,
                "presentation context accepted, stored" if r.returncode == 0 else dimse_checks.tail(r))
    return new_sop.decode()


def legacy_rendition(results, server, workdir, hevc_instance):
    """Our Storage SCU sends an HEVC archival copy to a receiver (DCMTK storescp) that accepts H.264 only: the
    server creates an H.264 rendition of the instance, judged below like every created object."""
    out = dimse_checks.fresh_dir(os.path.join(workdir, "legacy"))
    scp = subprocess.Popen(["storescp", "-aet", LEGACY_AET, "-xf", STORESCP_H264_ONLY, "H264Only", "-od", out,
                            str(LEGACY_PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        report = server.post(f"/video-archive/modalities/{LEGACY_AET.lower()}/store", {"Resources": [hevc_instance]})
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        report = {"error": str(e)}
    finally:
        scp.terminate()
        scp.wait(timeout=10)
    files = [os.path.join(out, f) for f in sorted(os.listdir(out))]
    ok = len(files) == 1 and validators.transfer_syntax_of(files[0]) == "1.2.840.10008.1.2.4.104"
    results.add("DIMSE", "DCMTK storescp", "receives from our Storage SCU, H.264 only", "an archival HEVC copy", ok,
                "received the H.264 rendition (.104)" if ok else str(report)[:300])
    return files


def judge_object(results, path, label, workdir):
    ok, detail, messages, notes = validators.dciodvfy(path, workdir)
    for message, why in messages:
        if why:
            results.explained.setdefault(message, (why, []))[1].append(label)
    results.add("Objects", "dciodvfy", "IOD verification", label, ok, detail + (f" ({notes[0]})" if notes else ""))
    bitstream = os.path.join(workdir, os.path.basename(path) + ".bitstream")
    try:
        ok, detail, stream = validators.pydicom_read(path, bitstream)
    except Exception as e:  # noqa: BLE001 - a reader exception is the verdict
        ok, detail, stream = False, f"pydicom: {e}", None
    results.add("Objects", "pydicom", "read + Pixel Data container", label, ok, detail)
    if stream:
        frames = validators.pydicom.dcmread(path, stop_before_pixels=True).get("NumberOfFrames")
        ok, detail = validators.ffprobe_decode(stream, frames)
        results.add("Objects", "ffprobe", "decode the bitstream (-err_detect explode)", label, ok, detail)


def curl_when_ready(url, out, timeout=600):
    """curl GET with Range, waiting while the server answers 503 (an H.264 rendition for browsers is being made)."""
    deadline = time.time() + timeout
    while True:
        r = subprocess.run(["curl", "-s", "-o", out, "-w", "%{http_code}", "-H", "Range: bytes=0-", url],
                           capture_output=True, text=True, timeout=600)
        if r.stdout != "503" or time.time() > deadline:
            return int(r.stdout or 0)
        time.sleep(1)


def judge_videos(results, server, workdir, inst):
    mp4 = os.path.join(workdir, f"video-{inst['id']}.mp4")
    status = curl_when_ready(f"http://127.0.0.1:{HTTP_PORT}/video-archive/instances/{inst['id']}/video.mp4", mp4)
    ok, detail = validators.ffprobe_decode(mp4)
    results.add("Videos", "ffprobe", "MP4 fetched by curl with Range", inst["label"], ok and status in (200, 206),
                f"HTTP {status}, {detail}")
    url = f"http://127.0.0.1:{HTTP_PORT}/video-archive/instances/{inst['id']}/hls.m3u8"
    ok, detail = validators.ffprobe_decode(url)
    results.add("Videos", "ffprobe", "HLS playlist and every segment", inst["label"], ok, detail)


def run_suite(results, workdir):
    server = OrthancServer({}, name="conformance", orthanc={"DicomModalities": modalities()}).start()
    gateway = NginxGateway().start()
    try:
        return exercise(results, server, gateway, workdir), server.get("/system")
    finally:
        gateway.stop()
        server.stop()


def exercise(results, server, gateway, workdir):
    study, labels = new_uid(), {}
    files = [streams.make_instance(s, workdir, i, study, "CONF-DIMSE") for i, s in enumerate(streams.STREAMS)]
    dimse_checks.dcmtk_echo(results)
    originals = []
    for stream, path in zip(streams.STREAMS, files):
        labels[str(validators.pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)] = stream.name
        instance = dimse_checks.dcmtk_store(results, server, stream, path)
        if instance:
            originals.append(instance)
    stereo_sop = stereo_high_association(results, server, workdir, files[2])
    stereo = lookup(server, stereo_sop, "Instance")
    labels[stereo_sop] = "H.264 High stream labelled Stereo High (association check)"
    archive_all(results, server, originals + ([stereo] if stereo else []), labels)

    study_id = lookup(server, study, "Study")
    instances = [describe(server, i["ID"], labels) for i in server.get(f"/studies/{study_id}/instances")]
    series = sorted({i["series"] for i in instances})
    dimse_checks.dcmtk_find(results, workdir, "STUDY", [f"StudyInstanceUID={study}", "ModalitiesInStudy",
                                                        "NumberOfStudyRelatedInstances"], 1, "the suite's study")
    dimse_checks.dcmtk_find(results, workdir, "SERIES", [f"StudyInstanceUID={study}", "SeriesInstanceUID",
                                                         "Modality"], len(series), "the suite's study")
    dimse_checks.dcmtk_find(results, workdir, "IMAGE", [f"StudyInstanceUID={study}", f"SeriesInstanceUID={series[0]}",
                                                        "SOPInstanceUID", "NumberOfFrames"],
                            sum(i["series"] == series[0] for i in instances), "one series")
    for inst in instances:
        dimse_checks.dcmtk_get(results, workdir, study, inst["series"], inst["sop"], inst["ts"], inst["label"])
    dimse_checks.dcmtk_move(results, workdir, study, [i["sop"] for i in instances])
    cine = cine_object(results, server)
    dimse_checks.dcmtk_get(results, workdir, cine["study"], cine["series"], cine["sop"], cine["ts"], cine["label"])

    other = new_uid()
    dcmjs_files = [streams.make_instance(streams.STREAMS[k], workdir, 10 + k, other, "CONF-DCMJS") for k in (0, 6)]
    dimse_checks.dcmjs_checks(results, workdir, study, dcmjs_files, [i["sop"] for i in instances])

    web_study = new_uid()
    stow_files = [streams.make_instance(streams.STREAMS[k], workdir, 20 + k, web_study, "CONF-WEB") for k in (7, 1)]
    by_ts = {}
    for inst in instances:
        by_ts.setdefault((inst["ts"], inst["label"].startswith("archival")), inst)
    web_checks.dicomweb_checks(results, workdir, study, (len(series), len(instances)), list(by_ts.values()),
                               stow_files)

    # Objects the server creates from recorder uploads, then their archival copies.
    made = []
    made += web_checks.tus_upload(results, server, gateway, streams.NEURO_H264, "MP4 (H.264 + AAC) by tus",
                                  studyDescription="Conformance suite, tus MP4")
    ts_file = os.path.join(workdir, "recorder.ts")
    streams.run(["ffmpeg", "-v", "error", "-y", "-t", "3", "-i", streams.LAPARO_H264, "-c", "copy", "-f", "mpegts",
                  ts_file])
    made += web_checks.tus_upload(results, server, gateway, ts_file, "MPEG-TS (H.264) by tus", accessionNumber="ACCTS1",
                                  studyDescription="Conformance suite, tus MPEG-TS")
    for sop in web_checks.stow_bulkdata(results, workdir, streams.NEURO_MPEG2, "video/mpeg",
                                        "MPEG-2 program stream by STOW-RS"):
        made.append(lookup(server, sop, "Instance"))
    for instance_id in filter(None, made):
        tags = server.get(f"/instances/{instance_id}/tags?simplify")
        labels[tags["SOPInstanceUID"]] = "wrapped from a recorder upload: " + tags.get("StudyDescription", "")
    archived = archive_all(results, server, [m for m in made if m], labels)

    # Every object the server created, judged by dciodvfy, pydicom and ffprobe.
    created = [describe(server, i, labels) for i in
               [inst["id"] for inst in instances if inst["label"].startswith("archival")] + [m for m in made if m]
               + archived]
    legacy = legacy_rendition(results, server, workdir, created[0]["id"])
    for inst in created:
        path = os.path.join(workdir, f"created-{inst['id']}.dcm")
        with open(path, "wb") as f:
            f.write(server.request("GET", f"/instances/{inst['id']}/file", raw=True)[2])
        judge_object(results, path, f"{inst['label']} ({inst['ts']})", workdir)
    for path in legacy:
        judge_object(results, path, "H.264 rendition sent to an H.264-only receiver", workdir)
    hevc_720p = next(c for c in created if c["label"].startswith("archival copy of: H.264 High Profile / Level 4.1"))
    on_retrieve = web_checks.h264_on_retrieve(results, workdir, hevc_720p, "1.2.840.10008.1.2.4.102")
    if on_retrieve:
        judge_object(results, on_retrieve, "H.264 instance made on a WADO-RS retrieve of an archival copy", workdir)
    for inst in created:
        judge_videos(results, server, workdir, inst)
    for inst in created[:1] + [c for c in created if c["label"].startswith("wrapped")][:1]:
        rendered = web_checks.rendered_video(results, server, workdir, inst)
        if rendered:
            ok, detail = validators.ffprobe_decode(rendered)
            results.add("Videos", "ffprobe", "rendered video/mp4 from WADO-RS", inst["label"], ok, detail)
    results.notes.append(f"{len(files)} video instances (one per transfer syntax that an encoder here can write) were "
                         f"made from the real clips in ../shared/testdata/clips by ffmpeg and va-dicomize and sent "
                         f"by storescu; the server created {len(created)} DICOM objects (archival HEVC copies and "
                         f"wrapped recorder uploads) plus {len(legacy)} H.264 rendition(s) sent over DIMSE.")
    return created


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default=os.path.join(HERE, "..", "RESULTS.md"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="va-conformance-")
    results, started, system = Results(), time.time(), {}
    try:
        _, system = run_suite(results, workdir)
    except Exception as e:  # noqa: BLE001 - an aborted run is a failed check, still written out
        import traceback
        traceback.print_exc()
        results.add("Suite", "suite", "run to the end", "-", False, f"aborted: {e}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    node_versions = dimse_checks.node_client(os.path.join(HERE, "..", "clients", "versions.cjs"), [])
    node_versions = {k: v for k, v in node_versions.items() if k not in ("_exit", "ok")}
    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    write_markdown(results, args.results, tool_versions(node_versions, system),
                   "bash conformance/run.sh", time.time() - started)
    failed = results.failures()
    print(f"\n{len(failed)} of {len(results.rows)} checks failed ({len(results.limits())} met a documented limit); "
          f"results in {args.results}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
