"""Security against a real Orthanc with the plugin's filter on: every route family x every role (the matrix of
docs/access-matrix.md), credentials (users, API tokens with expiry and revocation), hostile input (path traversal,
header injection, over-long input), the audit trail (hash chain, signed checkpoints, tampering detected, DICOM audit
messages, syslog) and the study organisations (upload, AE title, Institution Name)."""
import base64
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

import numpy
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from media import NEURO_H264
from orthanc_server import AET, DICOM_PORT, HTTP_PORT, HttpError, OrthancServer
from uploads import raw_upload, record, wait_upload

PASSWORD = "correct horse battery staple"
USERS = {
    "admin": ("admin", ""),
    "clin-a": ("clinician", "org-a"),
    "clin-b": ("clinician", "org-b"),
    "research": ("researcher", ""),
    "legal": ("legal", ""),
    "rec-a": ("recorder", "org-a"),
    "auditor": ("auditor", ""),
}
ROLES = ["clin-a", "clin-b", "research", "legal", "rec-a", "auditor", "admin"]  # admin last: it may delete


def basic(user, password=PASSWORD):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def make_dicom(path, study_uid, institution, deidentified=False, patient="SEC^TEST"):
    """A small Secondary Capture image: enough for Orthanc, DICOMweb and the filter, no video work."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = "ANONYMOUS" if deidentified else patient
    ds.PatientID = "ANON-1" if deidentified else "SEC-" + study_uid[-6:]
    ds.InstitutionName = institution
    if deidentified:
        ds.PatientIdentityRemoved = "YES"
    ds.Modality = "OT"
    ds.StudyDate = "20261128"
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = numpy.arange(64, dtype=numpy.uint8).tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    pydicom.dcmwrite(path, ds, write_like_original=False)
    return path


class SecureOrthanc(OrthancServer):
    """The harness's server, talking as admin unless a test gives its own Authorization header."""

    def request(self, method, path, body=None, headers=None, raw=False):
        headers = dict(headers or {})
        if "Authorization" not in headers:
            headers["Authorization"] = basic("admin")
        elif headers["Authorization"] is None:
            del headers["Authorization"]
        return super().request(method, path, body=body, headers=headers, raw=raw)

    def status(self, method, path, auth, body=None, extra=None):
        """The HTTP status of one request (any status, never raises)."""
        headers = {"Authorization": auth}
        headers.update(extra or {})
        try:
            status, _, _ = self.request(method, path, body=body, headers=headers, raw=True)
            return status
        except HttpError as e:
            return e.status


def raw_http(request_bytes):
    """Sends bytes as they are (no client-side validation) and returns the status line's code."""
    with socket.create_connection(("127.0.0.1", HTTP_PORT), timeout=30) as s:
        s.sendall(request_bytes)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


class SyslogListener(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.messages = []
        self.running = True

    def run(self):
        while self.running:
            try:
                self.messages.append(self.sock.recv(65536).decode(errors="replace"))
            except socket.timeout:
                pass

    def stop(self):
        self.running = False
        self.join()
        self.sock.close()


class SecurityMatrixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-sec-")
        cls.syslog = SyslogListener()
        cls.syslog.start()
        users = {name: {"Password": PASSWORD, "Role": role, **({"Organisation": org} if org else {})}
                 for name, (role, org) in USERS.items()}
        cls.server = SecureOrthanc({
            "AutoArchive": False,
            "Storage": {"Organisations": {"org-a": {"InstitutionNames": ["Hospital A"]},
                                          "org-b": {"InstitutionNames": ["Hospital B"]}}},
            "Security": {"Enable": True, "Users": users, "PasswordIterations": 10000,
                         "AetOrganisations": {"MODALITY_A": "org-a"},
                         "Audit": {"CheckpointEvery": 25, "SyslogHost": "127.0.0.1", "SyslogPort": cls.syslog.port}},
        }, name="security").start()
        s = cls.server
        cls.uids = {k: generate_uid() for k in ("A", "B", "P", "G", "W")}
        institutions = {"A": "Hospital A", "B": "Hospital B", "P": "Hospital B", "G": "Hospital B", "W": "Hospital A"}
        cls.ids = {}
        for key, uid in cls.uids.items():
            path = make_dicom(os.path.join(cls.tmp, key + ".dcm"), uid, institutions[key], deidentified=key == "P")
            answer = s.post("/instances", open(path, "rb").read())
            cls.ids[key] = {"study": answer["ParentStudy"], "series": answer["ParentSeries"],
                            "instance": answer["ID"]}
            series = s.get(f"/series/{answer['ParentSeries']}")
            cls.ids[key]["series_uid"] = series["MainDicomTags"]["SeriesInstanceUID"]
            cls.ids[key]["sop_uid"] = s.get(f"/instances/{answer['ID']}")["MainDicomTags"]["SOPInstanceUID"]
        cls.grant = s.post("/video-archive/security/grants",
                           {"StudyInstanceUID": cls.uids["G"], "Grantee": "legal", "ExpiresInDays": 1,
                            "Reason": "court case 12/2026"})
        cls.new_file = make_dicom(os.path.join(cls.tmp, "new.dcm"), generate_uid(), "Hospital A")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.syslog.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- the matrix ----------------------------------------------------------------------------------------------
    def cells(self):
        """(route family, method, path, body, {user: expected status}); a status other than 403 means allowed."""
        A, B, P, G, W = (self.ids[k] for k in "ABPGW")
        uA, uP, uG = self.uids["A"], self.uids["P"], self.uids["G"]
        every = lambda status: {u: status for u in ROLES}  # noqa: E731
        only = lambda allowed, status=200: {u: (status if u in allowed else 403) for u in ROLES}  # noqa: E731
        new_dicom = open(self.new_file, "rb").read()
        return [
            ("Explorer", "GET", "/app/explorer.html", None, only({"admin"})),
            ("Administration", "GET", "/statistics", None, only({"admin"})),
            ("Administration", "GET", "/jobs", None, only({"admin"})),
            ("Administration", "GET", "/modalities", None, only({"admin"})),
            ("Administration", "GET", "/video-archive/tasks", None, only({"admin"})),
            ("SystemInfo", "GET", "/system", None, every(200)),
            ("Self", "GET", "/video-archive/security/whoami", None, every(200)),
            ("StudyList", "GET", "/studies", None, only({"admin"})),
            ("StudyList", "GET", "/dicom-web/studies", None, only({"admin"})),
            ("StudyList", "POST", "/tools/find", json.dumps({"Level": "Study", "Query": {}}).encode(),
             only({"admin"})),
            ("StudyList scoped, own organisation", "GET", f"/dicom-web/studies?StudyInstanceUID={uA}", None,
             only({"admin", "clin-a"})),
            ("StudyList scoped, de-identified", "GET", f"/dicom-web/studies?StudyInstanceUID={uP}", None,
             only({"admin", "clin-b", "research"})),
            ("StudyList scoped, granted", "GET", f"/dicom-web/series?StudyInstanceUID={uG}", None,
             only({"admin", "clin-b", "legal"})),
            ("StudyRead", "GET", f"/studies/{A['study']}", None, only({"admin", "clin-a"})),
            ("StudyRead", "GET", f"/series/{A['series']}", None, only({"admin", "clin-a"})),
            ("StudyRead", "GET", f"/instances/{A['instance']}/file", None, only({"admin", "clin-a"})),
            ("StudyRead", "GET", f"/studies/{B['study']}", None, only({"admin", "clin-b"})),
            ("StudyRead", "GET", f"/dicom-web/studies/{uA}/metadata", None, only({"admin", "clin-a"})),
            ("StudyRead", "GET",
             f"/wado?requestType=WADO&studyUID={uA}&seriesUID={A['series_uid']}&objectUID={A['sop_uid']}"
             "&contentType=application/dicom", None, only({"admin", "clin-a"})),
            ("StudyRead, WADO-URI naming an own study but another organisation's object", "GET",
             f"/wado?requestType=WADO&studyUID={uA}&seriesUID={B['series_uid']}&objectUID={B['sop_uid']}"
             "&contentType=application/dicom", None, {u: (404 if u in ("admin", "clin-a") else 403) for u in ROLES}),
            ("StudyRead, de-identified", "GET", f"/instances/{P['instance']}", None,
             only({"admin", "clin-b", "research"})),
            ("StudyRead, granted", "GET", f"/dicom-web/studies/{uG}/series", None, only({"admin", "clin-b", "legal"})),
            ("StudyRead, patient", "GET", f"/studies/{A['study']}/patient", None, only({"admin", "clin-a"})),
            ("StudyWrite", "PUT", f"/instances/{A['instance']}/metadata/VideoArchiveQuality", b"{}",
             only({"admin"})),
            ("StudyWrite", "POST", f"/video-archive/instances/{A['instance']}/archive", None, only({"admin"})),
            ("StudyWrite, legal on a granted study", "DELETE", f"/studies/{G['study']}/metadata/VideoArchiveQuality",
             None, only({"admin"}, 404)),
            ("Upload", "POST", "/instances", new_dicom, only({"admin", "clin-a", "clin-b", "rec-a"})),
            ("Security", "GET", "/video-archive/security/tokens", None, only({"admin"})),
            ("Security", "GET", "/video-archive/security/grants", None, only({"admin"})),
            ("Audit", "GET", "/video-archive/audit/verify", None, only({"admin", "auditor"})),
            ("Audit", "GET", "/video-archive/audit/records?limit=5", None, only({"admin", "auditor"})),
            ("StudyWrite", "DELETE", f"/studies/{W['study']}", None, only({"admin"})),
        ]

    def test_every_route_family_for_every_role(self):
        s = self.server
        s.post(f"/video-archive/security/studies/{self.uids['G']}", {"Share": ["org-b"]})  # G is org-b's anyway
        s.post(f"/video-archive/security/studies/{self.uids['P']}", {})
        checked = 0
        for family, method, path, body, expected in self.cells():
            for user in ROLES:
                with self.subTest(family=family, path=path, user=user):
                    status = s.status(method, path, basic(user), body=body)
                    want = expected[user]
                    if want == 403:
                        self.assertEqual(status, 403, f"{user} must be refused")
                    else:
                        self.assertEqual(status, want, f"{user} must be allowed")
                    checked += 1
            with self.subTest(family=family, path=path, user="anonymous"):
                self.assertEqual(s.status(method, path, None, body=body), 403)
            with self.subTest(family=family, path=path, user="wrong password"):
                self.assertEqual(s.status(method, path, basic("admin", "wrong"), body=body), 403)
        self.assertGreater(checked, 200)

    def test_sharing_and_publishing_change_the_answer(self):
        s = self.server
        path = f"/studies/{self.ids['B']['study']}"
        self.assertEqual(s.status("GET", path, basic("clin-a")), 403)
        s.post(f"/video-archive/security/studies/{self.uids['B']}", {"Share": ["org-a"]})
        self.assertEqual(s.status("GET", path, basic("clin-a")), 200)
        s.post(f"/video-archive/security/studies/{self.uids['B']}", {"Unshare": ["org-a"]})
        self.assertEqual(s.status("GET", path, basic("clin-a")), 403)
        self.assertEqual(s.status("GET", path, basic("research")), 403)
        s.post(f"/video-archive/security/studies/{self.uids['B']}", {"Public": True})
        self.assertEqual(s.status("GET", path, basic("research")), 200)
        s.post(f"/video-archive/security/studies/{self.uids['B']}", {"Public": False})
        self.assertEqual(s.status("GET", path, basic("research")), 403)
        # The caller's own list.
        mine = s.get("/video-archive/security/studies", headers={"Authorization": basic("clin-a")})
        self.assertIn(self.uids["A"], [m["StudyInstanceUID"] for m in mine])
        self.assertNotIn(self.uids["B"], [m["StudyInstanceUID"] for m in mine])

    def test_legal_grant_expires_and_can_be_revoked(self):
        s = self.server
        study = self.ids["A"]["study"]
        grant = s.post("/video-archive/security/grants", {"StudyInstanceUID": self.uids["A"], "Grantee": "legal",
                                                            "ExpiresInDays": 3 / 86400, "Reason": "expiry test"})
        self.assertEqual(s.status("GET", f"/studies/{study}", basic("legal")), 200)
        self.assertEqual(s.status("DELETE", f"/studies/{study}", basic("legal")), 403)  # read-only
        time.sleep(3.5)
        self.assertEqual(s.status("GET", f"/studies/{study}", basic("legal")), 403)
        grant = s.post("/video-archive/security/grants", {"StudyInstanceUID": self.uids["A"], "Grantee": "legal",
                                                            "ExpiresInDays": 1, "Reason": "revocation test"})
        self.assertEqual(s.status("GET", f"/studies/{study}", basic("legal")), 200)
        s.request("DELETE", f"/video-archive/security/grants/{grant['ID']}")
        self.assertEqual(s.status("GET", f"/studies/{study}", basic("legal")), 403)
        with self.assertRaises(HttpError) as e:
            s.post("/video-archive/security/grants", {"StudyInstanceUID": self.uids["A"], "Grantee": "legal",
                                                       "Reason": "no expiry"})
        self.assertEqual(e.exception.status, 400)

    # -- tokens ----------------------------------------------------------------------------------------------------
    def test_tokens_issue_expire_revoke(self):
        s = self.server
        token = s.post("/video-archive/security/tokens",
                       {"Label": "OR 3 recorder", "Role": "recorder", "Organisation": "org-a", "ExpiresInDays": 1})
        secret = token["Secret"]
        bearer = "Bearer " + secret
        self.assertEqual(s.status("POST", "/instances", bearer, body=open(self.new_file, "rb").read()), 200)
        self.assertEqual(s.status("GET", "/studies", bearer), 403)  # a recorder only uploads
        # Stored hashed: the secret is nowhere in the database.
        db = os.path.join(s.data, "video-archive", "security.sqlite")
        dump = "\n".join(sqlite3.connect(db).iterdump())
        self.assertNotIn(secret, dump)
        self.assertNotIn(secret.split(".")[-1], dump)
        listed = {t["ID"]: t for t in s.get("/video-archive/security/tokens")}
        self.assertNotIn("Secret", listed[token["ID"]])
        s.request("DELETE", f"/video-archive/security/tokens/{token['ID']}")
        self.assertEqual(s.status("GET", "/system", bearer), 403)
        self.assertTrue(s.get(f"/video-archive/security/tokens/{token['ID']}")["Revoked"])
        short = s.post("/video-archive/security/tokens", {"Label": "short", "Role": "auditor", "ExpiresInDays": 2 / 86400})
        self.assertEqual(s.status("GET", "/video-archive/audit/verify", "Bearer " + short["Secret"]), 200)
        time.sleep(2.5)
        self.assertEqual(s.status("GET", "/video-archive/audit/verify", "Bearer " + short["Secret"]), 403)
        for bad in ("Bearer va1.0000000000000000." + "A" * 43, "Bearer " + secret[:-1] + "x", "Bearer x",
                    "Bearer", "Token abc", "Basic !!!notbase64"):
            with self.subTest(header=bad):
                # civetweb itself answers 400 to a Basic header it cannot decode, before Orthanc's filter.
                self.assertIn(s.status("GET", "/system", bad), (400, 403) if bad.startswith("Basic") else (403,))
        for body, reason in (({"Label": "x", "Role": "god"}, "Role"), ({"Label": "x", "Role": "admin",
                                                                        "ExpiresInDays": 10000}, "ExpiresInDays"),
                             ({"Role": "admin"}, "Label")):
            with self.subTest(body=body):
                with self.assertRaises(HttpError) as e:
                    s.post("/video-archive/security/tokens", body)
                self.assertEqual(e.exception.status, 400)
                self.assertIn(reason, e.exception.body.decode())

    # -- hostile input ---------------------------------------------------------------------------------------------
    def test_traversal_injection_and_overlong_input_are_refused(self):
        auth = basic("clin-a").encode()
        cases = {
            "dot segments": b"GET /system/../statistics HTTP/1.1\r\n",
            "encoded dot segments": b"GET /instances/%2e%2e/%2e%2e/statistics HTTP/1.1\r\n",
            "encoded slash": b"GET /studies%2f..%2fstatistics HTTP/1.1\r\n",
            "double slash": b"GET //statistics HTTP/1.1\r\n",
            "backslash": b"GET /app\\..\\statistics HTTP/1.1\r\n",
            "explorer escape": b"GET /app/../../../../etc/passwd HTTP/1.1\r\n",
            "over-long URI": b"GET /studies/" + b"a" * 3000 + b" HTTP/1.1\r\n",
            "over-long argument": b"GET /dicom-web/studies?StudyInstanceUID=" + b"1" * 5000 + b" HTTP/1.1\r\n",
            "NUL in argument": b"GET /dicom-web/studies?StudyInstanceUID=1%00 HTTP/1.1\r\n",
            "CRLF in argument": b"GET /dicom-web/studies?StudyInstanceUID=1%0d%0aX:%20y HTTP/1.1\r\n",
        }
        for name, line in cases.items():
            with self.subTest(name):
                status = raw_http(line + b"Host: 127.0.0.1\r\nAuthorization: " + auth + b"\r\nConnection: close\r\n\r\n")
                self.assertIn(status, (400, 403, 404, 414, 431), f"{name}: {status}")
        injected = base64.b64encode(f"admin:{PASSWORD}\r\nX-Role: admin".encode())
        for name, header in {
            "CRLF inside Basic credentials": b"Authorization: Basic " + injected,
            "over-long Authorization": b"Authorization: Basic " + b"A" * 10000,
            "over-long bearer": b"Authorization: Bearer " + b"A" * 5000,
        }.items():
            with self.subTest(name):
                status = raw_http(b"GET /statistics HTTP/1.1\r\nHost: x\r\n" + header + b"\r\nConnection: close\r\n\r\n")
                self.assertIn(status, (400, 403, 431), f"{name}: {status}")
        self.assertEqual(self.server.get("/system")["Name"], "VideoArchive")  # still serving

    # -- organisations --------------------------------------------------------------------------------------------
    def test_study_organisation_from_ae_title_and_institution(self):
        s = self.server
        uid = generate_uid()
        path = make_dicom(os.path.join(self.tmp, "dimse.dcm"), uid, "Hospital B")  # the AE title wins
        done = subprocess.run(["storescu", "-aet", "MODALITY_A", "-aec", AET, "127.0.0.1", str(DICOM_PORT), path],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        access = s.get(f"/video-archive/security/studies/{uid}")
        self.assertEqual((access["Organisation"], access["Origin"]), ("org-a", "aet"))
        self.assertEqual(s.get(f"/video-archive/security/studies/{self.uids['B']}")["Organisation"], "org-b")
        self.assertTrue(s.get(f"/video-archive/security/studies/{self.uids['P']}")["Deidentified"])
        records = s.get(f"/video-archive/audit/records?study={uid}")
        stores = [r for r in records if r["Action"] == "C-STORE"]
        self.assertEqual(len(stores), 1, records)
        self.assertEqual(stores[0]["Actor"], "MODALITY_A")

    def test_recorder_upload_belongs_to_the_recorders_organisation(self):
        """A recording uploaded over tus with a recorder's token belongs to the token's organisation, whatever its
        Institution Name says."""
        s = self.server
        token = s.post("/video-archive/security/tokens", {"Label": "OR 1", "Role": "recorder",
                                                           "Organisation": "org-b", "ExpiresInDays": 1})

        class AsRecorder:
            def request(self, method, path, body=None, headers=None, raw=False):
                return s.request(method, path, body=body, raw=raw,
                                 headers={**(headers or {}), "Authorization": "Bearer " + token["Secret"]})

            get = lambda self, path: self.request("GET", path)  # noqa: E731

        recorder = AsRecorder()
        u = wait_upload(recorder, raw_upload(recorder, NEURO_H264, record(organisation="Hospital A")))
        self.assertEqual(u["State"], "Done", u)
        study_uid = u["Result"]["StudyInstanceUID"] if "StudyInstanceUID" in u.get("Result", {}) else None
        self.assertIsNotNone(study_uid, u)
        access = s.get(f"/video-archive/security/studies/{study_uid}")
        self.assertEqual((access["Organisation"], access["Origin"]), ("org-b", "upload"))
        self.assertEqual(s.status("GET", f"/dicom-web/studies/{study_uid}/series", basic("clin-b")), 200)
        self.assertEqual(s.status("GET", f"/dicom-web/studies/{study_uid}/series", basic("clin-a")), 403)
        self.assertEqual(s.status("GET", "/studies", "Bearer " + token["Secret"]), 403)

    # -- audit trail -------------------------------------------------------------------------------------------
    def test_audit_records_every_request_and_exports(self):
        s = self.server
        s.status("GET", f"/studies/{self.ids['B']['study']}", basic("clin-a"))  # refused
        s.status("GET", f"/studies/{self.ids['A']['study']}", basic("clin-a"))  # allowed
        records = s.get("/video-archive/audit/records?actor=clin-a&limit=100000",
                        headers={"Authorization": basic("auditor")})
        mine = [r for r in records if r["Resource"] in (f"/studies/{self.ids['A']['study']}",
                                                          f"/studies/{self.ids['B']['study']}")]
        outcomes = {(r["Resource"].split("/")[-1], r["Outcome"]) for r in mine}
        self.assertIn((self.ids["B"]["study"], "refused"), outcomes)
        self.assertIn((self.ids["A"]["study"], "allowed"), outcomes)
        refused = next(r for r in mine if r["Outcome"] == "refused")
        self.assertEqual((refused["Role"], refused["Organisation"], refused["Source"]),
                         ("clinician", "org-a", "127.0.0.1"))
        self.assertEqual(refused["StudyInstanceUID"], self.uids["B"])
        self.assertTrue(refused["Detail"])
        s.status("GET", "/system", None)
        anonymous = s.get("/video-archive/audit/records?actor=anonymous&limit=100000")
        self.assertTrue(anonymous)
        s.post("/video-archive/audit/checkpoints")
        verify = s.get("/video-archive/audit/verify", headers={"Authorization": basic("auditor")})
        self.assertTrue(verify["Intact"], verify)
        self.assertGreaterEqual(verify["Checkpoints"], 1)
        self.assertEqual(verify["UncheckpointedRecords"], verify["LastSequence"] - verify["LastCheckpointSequence"])
        # DICOM audit messages (PS3.15 A.5).
        status, headers, body = s.request("GET", "/video-archive/audit/export?format=dicom&limit=20", raw=True)
        root = ET.fromstring(body)
        messages = root.findall("AuditMessage")
        self.assertEqual(len(messages), 20)
        for m in messages:
            self.assertIsNotNone(m.find("EventIdentification/EventID"))
            self.assertIsNotNone(m.find("ActiveParticipant"))
            self.assertIsNotNone(m.find("AuditSourceIdentification"))
        # Syslog (RFC 5424 over UDP) received the same records.
        deadline = time.time() + 10
        while time.time() < deadline and not any("AuditMessage" in m for m in self.syslog.messages):
            time.sleep(0.2)
        self.assertTrue(any(m.startswith("<") and "AuditMessage" in m for m in self.syslog.messages))
        # The offline public key verifies checkpoints.
        pem = s.get("/video-archive/audit/public-key")
        self.assertIn("BEGIN PUBLIC KEY", pem)


class AuditTamperingTest(unittest.TestCase):
    """Edits, deletions and truncation of the stored trail are found by the verify route after a restart."""

    def setUp(self):
        self.server = SecureOrthanc({
            "AutoArchive": False,
            "Security": {"Enable": True, "PasswordIterations": 10000,
                         "Users": {"admin": {"Password": PASSWORD, "Role": "admin"},
                                   "auditor": {"Password": PASSWORD, "Role": "auditor"}},
                         "Audit": {"CheckpointEvery": 10}},
        }, name="audit-tamper").start()
        for _ in range(40):
            self.server.get("/system")
        self.db = os.path.join(self.server.data, "video-archive", "security.sqlite")

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.server.dir, ignore_errors=True)

    def tamper(self, sql):
        self.server.stop()
        con = sqlite3.connect(self.db)
        con.execute(sql)
        con.commit()
        con.close()
        self.server.start()
        return self.server.get("/video-archive/audit/verify", headers={"Authorization": basic("auditor")})

    def test_intact_before(self):
        verify = self.server.get("/video-archive/audit/verify")
        self.assertTrue(verify["Intact"], verify)

    def test_edited_record(self):
        verify = self.tamper("UPDATE audit_records SET actor = 'someone-else' WHERE sequence = 5")
        self.assertFalse(verify["Intact"])
        self.assertIn(5, [p["Sequence"] for p in verify["Problems"]], verify)

    def test_deleted_record(self):
        verify = self.tamper("DELETE FROM audit_records WHERE sequence = 12")
        self.assertFalse(verify["Intact"])
        self.assertTrue(any(p["Sequence"] in (12, 13) for p in verify["Problems"]), verify)

    def test_truncated_trail(self):
        verify = self.tamper("DELETE FROM audit_records WHERE sequence > 15")
        self.assertFalse(verify["Intact"], verify)
        self.assertTrue(any("remov" in p["What"] or "trunc" in p["What"] for p in verify["Problems"]), verify)

    def test_forged_checkpoint(self):
        verify = self.tamper("UPDATE audit_checkpoints SET hash = '" + "0" * 64 + "' WHERE sequence = 10")
        self.assertFalse(verify["Intact"], verify)


if __name__ == "__main__":
    unittest.main()


class AuditDurabilityTest(unittest.TestCase):
    """A kill -9 loses no record of an answered request; a full disk under the audit database refuses requests
    (no access without its record) and loses nothing already written. The security database sits alone on a 3 MB
    ext4 image, loop-mounted in Orthanc's private mount namespace at every start (so it outlives each process)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-sec-durable-")
        cls.image = os.path.join(cls.tmp, "audit.img")
        cls.mount = os.path.join(cls.tmp, "audit")
        os.makedirs(cls.mount)
        subprocess.run(["truncate", "-s", "3M", cls.image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", cls.image], check=True)
        cls.prefix = ["unshare", "--mount", "--propagation", "private", "bash", "-c",
                      'mount -o loop "$0" "$1" && shift && exec "$@"', cls.image, cls.mount]
        cls.server = SecureOrthanc({
            "AutoArchive": False,
            "Security": {"Enable": True, "PasswordIterations": 10000,
                         "DatabaseTarget": os.path.join(cls.mount, "security.sqlite"),
                         "Users": {"admin": {"Password": PASSWORD, "Role": "admin"}},
                         "Audit": {"CheckpointEvery": 50}},
        }, name="audit-durable", command_prefix=cls.prefix)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.server.dir, ignore_errors=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def stored_records(self):
        """(count, gapless) of the records on the image, read with sqlite3 from a copy (Orthanc stopped)."""
        copy = os.path.join(self.tmp, "copy")
        shutil.rmtree(copy, ignore_errors=True)
        os.makedirs(copy)
        subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c",
                        'mount -o loop,ro "$0" "$1" && cp "$1"/security.sqlite* "$2"/', self.image, self.mount, copy],
                       check=True)
        con = sqlite3.connect(os.path.join(copy, "security.sqlite"))
        sequences = [row[0] for row in con.execute("SELECT sequence FROM audit_records ORDER BY sequence")]
        con.close()
        return len(sequences), sequences == list(range(1, len(sequences) + 1))

    def test_kill9_then_full_disk(self):
        s = self.server
        s.start()
        for _ in range(30):
            s.get("/system")
        before = s.get("/video-archive/audit/records?limit=100000")
        s.kill9()
        s.start()
        after = s.get("/video-archive/audit/records?limit=100000")
        self.assertEqual([r["Hash"] for r in after[:len(before)]], [r["Hash"] for r in before])
        self.assertTrue(s.get("/video-archive/audit/verify")["Intact"])

        # Fill the disk with records: a request whose record cannot be written is refused (SQLite may still find
        # room for a later one now and then); every answered request has its record.
        answered = after[-1]["Sequence"] + 1  # the verify request's record
        refused = 0
        for _ in range(50000):
            status = s.status("GET", "/system", basic("admin"))
            if status == 200:
                answered += 1
            else:
                self.assertEqual(status, 403)
                refused += 1
                if refused == 20:
                    break
        self.assertEqual(refused, 20, "the 3 MB disk never filled")
        self.assertIn("security filter refused", s.log_tail(200))
        s.stop()
        count, gapless = self.stored_records()
        self.assertTrue(gapless)
        self.assertGreaterEqual(count, answered)
