"""Security benchmark: what the HTTP filter and the audit trail cost a QIDO-RS query.

One Orthanc with STUDIES small studies is queried REQUESTS times per kind, over one keep-alive connection, first
with VideoArchive.Security off (the anchor), then on (ours: every request authenticated, classified, its study
resolved in the access catalog, decided, and appended durably to the hash-chained audit trail). ROUNDS alternate
off/on to spread machine noise; the median latency of each side is compared. Kinds:
- a clinician's QIDO scoped to one study of their organisation (GET /dicom-web/studies?StudyInstanceUID=...), with
  Basic credentials (PBKDF2 verified once, then cached) and with an API token (one catalog lookup per request);
- an admin's unscoped QIDO (GET /dicom-web/studies?limit=25).
Printed: median and p95 latency of each, requests/s on / off (goal >= 0.9), Orthanc's peak RSS on and off.
"""
import base64
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from orthanc_server import HTTP_PORT, OrthancServer  # noqa: E402
from test_security_matrix import make_dicom  # noqa: E402
import benchjson  # noqa: E402

from pydicom.uid import generate_uid  # noqa: E402

STUDIES = int(os.environ.get("STUDIES", "200"))
REQUESTS = int(os.environ.get("REQUESTS", "600"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
SYNC = os.environ.get("SYNC", "0") == "1"  # Audit.SyncEveryRecord: an fsync per audit record
PASSWORD = "bench password"


def basic(user):
    return "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()


def vm_kb(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def timed(paths, auth):
    """Latencies (s) of GETs over one keep-alive connection; every answer must be 200."""
    conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)
    out = []
    try:
        for path in paths:
            start = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": auth} if auth else {})
            answer = conn.getresponse()
            answer.read()
            out.append(time.perf_counter() - start)
            if answer.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {answer.status}")
    finally:
        conn.close()
    return out


def make_servers():
    """The same Orthanc database, storage and work directory under two configurations: security on and off."""
    orgs = {"Organisations": {"org-a": {"InstitutionNames": ["Hospital A"]}}}
    users = {"admin": {"Password": PASSWORD, "Role": "admin"},
             "clin-a": {"Password": PASSWORD, "Role": "clinician", "Organisation": "org-a"}}
    on = OrthancServer({"AutoArchive": False, "Storage": orgs,
                        "Security": {"Enable": True, "PasswordIterations": 200000, "Users": users,
                                     "Audit": {"SyncEveryRecord": SYNC}}},
                       name="bench-security-on")
    off = OrthancServer({"AutoArchive": False, "Storage": orgs}, name="bench-security-off")
    cfg_on = json.load(open(on.config_path))
    cfg_off = json.load(open(off.config_path))
    for key in ("StorageDirectory", "IndexDirectory"):
        cfg_off[key] = cfg_on[key]
    cfg_off["VideoArchive"]["WorkDirectory"] = cfg_on["VideoArchive"]["WorkDirectory"]
    json.dump(cfg_off, open(off.config_path, "w"), indent=2)
    request = on.request

    def as_admin(method, path, body=None, headers=None, raw=False):
        headers = dict(headers or {})
        headers.setdefault("Authorization", basic("admin"))
        return request(method, path, body=body, headers=headers, raw=raw)
    on.request = as_admin  # the harness polls /system while starting
    return on, off


def main():
    work = tempfile.mkdtemp(prefix="va-bench-security-")
    uids = [generate_uid() for _ in range(STUDIES)]
    on, off = make_servers()
    try:
        on.start()
        token = on.post("/video-archive/security/tokens", {"Label": "bench", "Role": "clinician",
                                                           "Organisation": "org-a", "ExpiresInDays": 1})["Secret"]
        for i, uid in enumerate(uids):
            path = make_dicom(os.path.join(work, "s.dcm"), uid, "Hospital A", patient=f"BENCH^{i}")
            on.post("/instances", open(path, "rb").read())
        on.stop()

        rng = random.Random(7)
        kinds = {
            "clinician scoped QIDO, Basic": (lambda: f"/dicom-web/studies?StudyInstanceUID={rng.choice(uids)}",
                                             basic("clin-a")),
            "clinician scoped QIDO, API token": (lambda: f"/dicom-web/studies?StudyInstanceUID={rng.choice(uids)}",
                                                 "Bearer " + token),
            "admin QIDO of 25 studies, Basic": (lambda: "/dicom-web/studies?limit=25", basic("admin")),
        }
        lat = {side: {k: [] for k in kinds} for side in ("off", "on")}
        peaks = {"off": 0, "on": 0}
        for _ in range(ROUNDS):
            for side, server in (("off", off), ("on", on)):
                server.start()
                for kind, (make_path, auth) in kinds.items():
                    paths = [make_path() for _ in range(REQUESTS)]
                    timed(paths[:50], auth)  # warm-up (and the one PBKDF2 of the Basic credentials)
                    lat[side][kind] += timed(paths, auth)
                peaks[side] = max(peaks[side], vm_kb(server.process.pid, "VmHWM"))
                server.stop()
        report(lat, peaks)
    finally:
        for server in (on, off):
            server.stop()
            shutil.rmtree(server.dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def report(lat, peaks):
    med = statistics.median
    p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
    figures = []
    for kind in lat["on"]:
        on, off = lat["on"][kind], lat["off"][kind]
        print(f"{kind}: median {med(on) * 1000:.2f} ms on, {med(off) * 1000:.2f} ms off; "
              f"p95 {p95(on) * 1000:.2f} / {p95(off) * 1000:.2f} ms; requests/s on/off {med(off) / med(on):.3f}")
        figures.append(benchjson.figure(
            f"{kind}: requests/s with filter + audit on / off", 1 / med(on), 1 / med(off), "req/s", True, ">= 0.9",
            ours_median_ms=med(on) * 1000, anchor_median_ms=med(off) * 1000, ours_p95_ms=p95(on) * 1000,
            anchor_p95_ms=p95(off) * 1000, anchor_label="the same server and data with Security.Enable false"))
    print(f"Orthanc peak RSS: {peaks['on'] / 1024:.0f} MiB on, {peaks['off'] / 1024:.0f} MiB off")
    if os.environ.get("BENCH_JSON"):
        memories = [benchjson.memory("Orthanc during the QIDO runs, security on", peaks["on"] / 1024,
                                     peaks["off"] / 1024, note="anchor: security off")]
        parameters = {"STUDIES": STUDIES, "REQUESTS": REQUESTS, "ROUNDS": ROUNDS, "SYNC": int(SYNC)}
        durability = ("fsync per record (Audit.SyncEveryRecord true)" if SYNC else
                      "WAL, synchronous=NORMAL: survives a kill -9, synced at every signed checkpoint")
        notes = ["Each request on one keep-alive connection, loopback in a private network namespace. With security "
                 "on every request leaves one audit record committed to SQLite before it is answered (" + durability +
                 ")."]
        benchjson.save(os.environ["BENCH_JSON"], benchjson.document(
            "security", "Security: QIDO-RS with the HTTP filter and audit trail", "bench/security.sh", parameters,
            figures, memories, notes=notes))


if __name__ == "__main__":
    main()
