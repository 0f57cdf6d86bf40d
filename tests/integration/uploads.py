"""Helpers for recorder-upload tests: procedure records, raw tus requests, waiting for the ingest."""
import base64
import hashlib
import time

ROOT = "/video-archive/uploads"


def record(**overrides):
    """A complete procedure record as a recorder sends it; a None override removes the field."""
    r = {
        "patientId": "VA-1001",
        "patientName": "DOE^JANE",
        "patientBirthDate": "1970-03-01",
        "patientSex": "F",
        "accessionNumber": "ACC1001",
        "studyDescription": "Laparoscopic cholecystectomy",
        "procedureCode": "45595009^SCT^Laparoscopic cholecystectomy",
        "operator": "SMITH^ANNA",
        "organisation": "General Hospital",
        "manufacturer": "Acme Medical",
        "model": "OR-Rec 3",
        "serialNumber": "SN-42",
        "recordingStart": "2026-11-27T08:15:00Z",
        "videoKind": "endoscopic",
        "stereo": "none",
    }
    r.update(overrides)
    return {k: v for k, v in r.items() if v is not None}


def upload_metadata(rec):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in rec.items())


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def raw_upload(orthanc, path, rec, piece=8 << 20):
    """Uploads a file with plain tus requests (creation, then PUT = PATCH in pieces); returns the upload's path."""
    with open(path, "rb") as f:
        data = f.read()
    _, headers, _ = orthanc.request("POST", ROOT, raw=True, headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": upload_metadata(rec)})
    location = headers["Location"]
    for offset in range(0, len(data), piece):
        orthanc.request("PUT", location, body=data[offset:offset + piece], raw=True, headers={
            "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset)})
    return location


def wait_upload(orthanc, location, timeout=900):
    deadline = time.time() + timeout
    u = None
    while time.time() < deadline:
        u = orthanc.get(location)
        if u["State"] in ("Done", "Failed"):
            return u
        time.sleep(0.3)
    raise AssertionError(f"upload {location} not finished: {u}\n{orthanc.log_tail()}")
