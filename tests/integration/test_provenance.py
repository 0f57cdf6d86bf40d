"""Provenance against a real Orthanc: the signed SEI and the watermark of an archival copy, the verification route and
the offline verifier, tampering with one frame / one header attribute / one manifest line, the legal export package,
and a de-identified copy (header, SEI, watermark, masked burned-in region)."""
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest

import media
from orthanc_server import TOOLS, HttpError, OrthancServer
from test_security_matrix import PASSWORD, SecureOrthanc, basic

PATIENT_NAME = "Provenance^Patricia^Q"
PATIENT_ID = "PROV-7781"
INSTITUTION = "Saint Provenance Hospital"
BIRTH_DATE = "19610412"
SERIAL = "SN-PROV-4471"
# The recorder's burned-in overlay: a bright box where a patient name would be (source pixels, x y w h).
BURNED = (40, 40, 320, 60)
VA_VERIFY = os.path.join(TOOLS, "va-verify")


def verify(*args):
    r = subprocess.run([VA_VERIFY, *args], capture_output=True, text=True, timeout=300)
    report = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
    return r.returncode, report, r.stderr


def flip_bytes_in_mdat(path, fraction=0.6, count=16):
    """Changes a few bytes of coded picture data (inside the mdat box) of an MP4, in place."""
    data = bytearray(open(path, "rb").read())
    at = data.find(b"mdat")
    assert at > 0, "no mdat box"
    offset = at + 4 + int((len(data) - at - 4) * fraction)
    for i in range(count):
        data[offset + i] ^= 0x5A
    open(path, "wb").write(bytes(data))


def rewrite_tar(src, dst, change):
    """Copies a tar, passing each member's name and bytes through change(name, data) -> data."""
    with tarfile.open(src) as tin, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
        for m in tin.getmembers():
            data = tin.extractfile(m).read()
            data = change(m.name, data)
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            info.mtime = m.mtime
            info.mode = m.mode
            tout.addfile(info, io.BytesIO(data))


class ProvenanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-provenance-")
        t = lambda name: os.path.join(cls.tmp, name)
        x, y, w, h = BURNED
        # 2 s of the neurosurgery clip with a "burned-in" overlay, re-encoded as a recorder would deliver it.
        media.run(["ffmpeg", "-v", "error", "-y", "-i", media.NEURO_H264, "-t", "2", "-vf",
                   f"drawbox=x={x}:y={y}:w={w}:h={h}:color=white:t=fill", "-c:v", "libx264", "-preset",
                   "ultrafast", "-crf", "16", "-an", "-movflags", "+faststart", t("burned.mp4")])
        cls.source = media.dicomize(t("burned.mp4"), t("source.dcm"), "--patient-id", PATIENT_ID, "--patient-name",
                                    PATIENT_NAME, "--birth-date", BIRTH_DATE, "--institution", INSTITUTION,
                                    "--manufacturer", "BurnCorp", "--model", "OverlayCam", "--serial", SERIAL)
        cls.src = media.dcmdump(cls.source)
        # Security on: the export's chain of custody then holds the audit trail's records, a legal reviewer with a grant
        # builds the package, and marking the study public makes the de-identified copy by policy.
        users = {"admin": {"Password": PASSWORD, "Role": "admin"},
                 "judge": {"Password": PASSWORD, "Role": "legal"},
                 "scientist": {"Password": PASSWORD, "Role": "researcher"}}
        cls.server = SecureOrthanc(name="provenance", video_archive={
            "Security": {"Enable": True, "Users": users, "PasswordIterations": 10000},
            "Provenance": {"MaskRegions": {"BurnCorp^OverlayCam": [list(BURNED)]},
                           "DeidentifyPublicStudies": True}}).start()
        try:
            cls.archive_source(t)
        except BaseException:
            cls.server.stop()  # tearDownClass is not called when setUpClass fails
            raise

    @classmethod
    def archive_source(cls, t):
        result = cls.server.storescu(cls.source, "-xn")
        assert result.returncode == 0, result.stdout + result.stderr
        cls.source_id = cls.server.instance_id_of(cls.src["0008,0018"])
        task = cls.server.wait_task(cls.source_id)
        assert task["State"] == "done", task
        cls.derived_id = task["DerivedInstance"]
        cls.derived = t("derived.dcm")
        with open(cls.derived, "wb") as f:
            f.write(cls.server.get(f"/instances/{cls.derived_id}/file", raw=True)[2])
        cls.key = t("public-key.pem")
        with open(cls.key, "wb") as f:
            f.write(cls.server.get("/video-archive/provenance/public-key", raw=True)[2])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def wait_job(self, job_id, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.server.get(f"/jobs/{job_id}")
            if job["State"] in ("Success", "Failure"):
                return job
            time.sleep(0.3)
        self.fail(f"job {job_id} did not end")

    def download(self, path, headers=None):
        """A GET with HTTP Range pieces, as a client of a large package does."""
        out, start = b"", 0
        while True:
            status, headers_in, body = self.server.request(
                "GET", path, headers={"Range": f"bytes={start}-", **(headers or {})}, raw=True)
            out += body
            total = int(headers_in.get("Content-Range", "/%d" % len(body)).split("/")[-1])
            start = len(out)
            if status == 200 or start >= total:
                return out

    # -- the archival copy -----------------------------------------------------------------------------------
    def test_archival_copy_is_signed_and_watermarked(self):
        report = self.server.get(f"/video-archive/instances/{self.derived_id}/provenance")
        self.assertEqual(report["Verdict"], "intact", report)
        self.assertEqual(report["Signature"]["Status"], "valid")
        self.assertTrue(report["Signature"]["FinalMessage"])
        self.assertGreaterEqual(report["Signature"]["Messages"], 2)
        self.assertEqual(report["HashChain"]["Status"], "intact")
        self.assertEqual(report["HashChain"]["PicturesDecodedAndCompared"], report["HashChain"]["Pictures"])
        d = media.dcmdump(self.derived)
        record = report["Record"]
        self.assertEqual(record["SOPInstanceUID"], d["0008,0018"])
        self.assertEqual(record["StudyInstanceUID"], self.src["0020,000d"])
        self.assertEqual(len(record["SourceSha256"]), 64)
        self.assertIn("x265", record["Encoder"])
        self.assertTrue(report["Header"]["MatchesSignedRecord"])
        mark = report["Watermark"]
        self.assertTrue(mark["Found"], mark)
        self.assertEqual(mark["ArchiveId"], record["WatermarkId"])
        self.assertEqual(mark["ArchiveRecord"]["SOPInstanceUID"], d["0008,0018"])
        self.assertEqual(mark["ArchiveRecord"]["Kind"], "archival")
        # No identifying value in clear text in the bitstream.
        mp4 = media.extract_bitstream(self.derived, self.path("archival.mp4"))
        raw = open(mp4, "rb").read()
        for value in (PATIENT_NAME, PATIENT_ID, INSTITUTION, BIRTH_DATE):
            self.assertNotIn(value.encode(), raw)
        # The source (unsigned H.264) reports unsigned, not an error.
        self.assertEqual(self.server.get(f"/video-archive/instances/{self.source_id}/provenance")["Verdict"],
                         "unsigned")

    def test_offline_verifier_with_the_public_key_alone(self):
        code, report, err = verify("file", self.derived, "--public-key", self.key)
        self.assertEqual(code, 0, err + json.dumps(report))
        self.assertEqual(report["Verdict"], "intact")
        other = self.path("other-key.pem")
        media.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", self.path("other.pem")])
        media.run(["openssl", "pkey", "-in", self.path("other.pem"), "-pubout", "-out", other])
        code, report, _ = verify("file", self.derived, "--public-key", other)
        self.assertEqual(code, 1)
        self.assertEqual(report["Signature"]["Status"], "invalid")

    def test_one_frame_tampered_is_found_and_named(self):
        mp4 = media.extract_bitstream(self.derived, self.path("tampered.mp4"))
        flip_bytes_in_mdat(mp4)
        code, report, _ = verify("file", mp4, "--public-key", self.key)
        self.assertEqual(code, 1, report)
        self.assertEqual(report["Verdict"], "altered")
        self.assertTrue(any("picture" in p for p in report["Problems"]), report["Problems"])

    def test_one_header_attribute_tampered_is_found_and_named(self):
        dcm = self.path("header.dcm")
        shutil.copy(self.derived, dcm)
        media.run(["dcmodify", "-nb", "-m", "(0020,000D)=1.2.826.0.1.3680043.2.1143.42", dcm])
        code, report, _ = verify("file", dcm, "--public-key", self.key)
        self.assertEqual(code, 1, report)
        self.assertTrue(any("(0020,000D) StudyInstanceUID" in p for p in report["Problems"]), report["Problems"])

    def test_verify_route_takes_any_file(self):
        report = self.server.post("/video-archive/provenance/verify", open(self.derived, "rb").read())
        self.assertEqual(report["Verdict"], "intact", report)
        # A re-encoded, downscaled copy still names its record through the watermark.
        copy = self.path("reencoded.mp4")
        media.run(["ffmpeg", "-v", "error", "-y", "-i", media.extract_bitstream(self.derived, self.path("a.mp4")),
                   "-vf", "scale=iw/2:-2", "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", copy])
        report = self.server.post("/video-archive/provenance/verify", open(copy, "rb").read())
        self.assertEqual(report["Verdict"], "unsigned")
        self.assertTrue(report["Watermark"]["Found"], report)
        self.assertEqual(report["Watermark"]["ArchiveRecord"]["SOPInstanceUID"], media.dcmdump(self.derived)["0008,0018"])
        with self.assertRaises(Exception):
            self.server.post("/video-archive/provenance/verify", b"")

    # -- legal export ----------------------------------------------------------------------------------------
    def test_legal_export_package(self):
        study = self.src["0020,000d"]
        judge = {"Authorization": basic("judge", PASSWORD)}
        with self.assertRaises(HttpError) as refused:  # no grant yet
            self.server.get(f"/video-archive/studies/{study}/legal-export", headers=judge)
        self.assertEqual(refused.exception.status, 403)
        self.server.post("/video-archive/security/grants", {"StudyInstanceUID": study, "Grantee": "judge",
                                                            "ExpiresInDays": 1, "Reason": "court order 17/2026"})
        made = self.server.get(f"/video-archive/studies/{study}/legal-export", headers=judge)
        package = self.path("package.tar")
        with open(package, "wb") as f:
            f.write(self.download(made["Download"], judge))
        self.assertEqual(os.path.getsize(package), made["Size"])
        code, report, err = verify("package", package, "--public-key", self.key)
        self.assertEqual(code, 0, err + json.dumps(report, indent=1)[:4000])
        names = [f["Name"] for f in report["Files"]]
        self.assertEqual(len([n for n in names if n.startswith("dicom/")]), 2, names)
        self.assertEqual(len([n for n in names if n.startswith("video/")]), 2, names)
        manifest = tarfile.open(package).extractfile("manifest.txt").read().decode()
        for kind in ("ingest", "transcode", "watermark", "header", "stored", "access", "export"):
            self.assertIn(f"\t{kind}\t", manifest, kind)
        self.assertIn("judge", manifest)  # the export names who asked, and the audit trail's accesses are there

        # One manifest line changed: the custody record of the transcode.
        def edit_line(name, data):
            if name != "manifest.txt":
                return data
            lines = data.decode().split("\n")
            for i, line in enumerate(lines):
                if "\ttranscode\t" in line:
                    lines[i] = line.replace("yes", "no", 1) if "yes" in line else line + "x"
                    break
            return "\n".join(lines).encode()
        rewrite_tar(package, self.path("p1.tar"), edit_line)
        code, report, _ = verify("package", self.path("p1.tar"), "--public-key", self.key)
        self.assertEqual(code, 1)
        self.assertTrue(any("manifest line" in p for p in report["Problems"]), report["Problems"])

        # One header attribute changed in a DICOM file of the package.
        derived_sop = media.dcmdump(self.derived)["0008,0018"]

        def edit_header(name, data):
            if name != f"dicom/{derived_sop}.dcm":
                return data
            tmp = self.path("edit.dcm")
            open(tmp, "wb").write(data)
            media.run(["dcmodify", "-nb", "-m", "(0010,0010)=Someone^Else", tmp])
            return open(tmp, "rb").read()
        rewrite_tar(package, self.path("p2.tar"), edit_header)
        code, report, _ = verify("package", self.path("p2.tar"), "--public-key", self.key)
        self.assertEqual(code, 1)
        self.assertTrue(any("(0010,0010) PatientName differs" in p for p in report["Problems"]), report["Problems"])

        # One frame changed in the exported MP4.
        def edit_frame(name, data):
            if name != f"video/{derived_sop}.mp4":
                return data
            tmp = self.path("edit.mp4")
            open(tmp, "wb").write(data)
            flip_bytes_in_mdat(tmp)
            return open(tmp, "rb").read()
        rewrite_tar(package, self.path("p3.tar"), edit_frame)
        code, report, _ = verify("package", self.path("p3.tar"), "--public-key", self.key)
        self.assertEqual(code, 1)
        problems = report["Problems"]
        self.assertTrue(any(f"video/{derived_sop}.mp4" in p and "picture" in p for p in problems), problems)

    # -- de-identified copy ----------------------------------------------------------------------------------
    def test_deidentified_copy(self):
        study = self.src["0020,000d"]
        # By policy: marking the study public makes the copy.
        answer = self.server.post(f"/video-archive/security/studies/{study}", {"Organisation": "org-a", "Public": True})
        started = answer["Deidentification"]
        job = self.wait_job(started["Job"])
        self.assertEqual(job["State"], "Success", job)
        new_study = started["DeidentifiedStudyInstanceUID"]
        self.assertNotEqual(new_study, study)
        self.assertEqual(len(job["Content"]["Instances"]), 1, job["Content"])  # the original, not also its copy
        copy_id = job["Content"]["Instances"][0]["Instance"]
        copy = self.path("deidentified.dcm")
        with open(copy, "wb") as f:
            f.write(self.server.get(f"/instances/{copy_id}/file", raw=True)[2])
        raw = open(copy, "rb").read()
        for value in (PATIENT_NAME, PATIENT_ID, INSTITUTION, BIRTH_DATE, SERIAL, self.src["0020,000d"],
                      self.src["0008,0018"]):
            self.assertNotIn(value.encode(), raw, value)
        d = media.dcmdump(copy)
        self.assertEqual(d["0012,0062"], "YES")
        self.assertEqual(d["0028,0301"], "NO")
        self.assertEqual(d["0020,000d"], new_study)
        # Its SEI is signed again and names only the new UIDs; its watermark ID is another.
        code, report, err = verify("file", copy, "--public-key", self.key)
        self.assertEqual(code, 0, err + json.dumps(report))
        record = report["Record"]
        self.assertEqual(record["StudyInstanceUID"], new_study)
        self.assertEqual((record["RecordingStart"], record["Device"], record["SourceSha256"]), ("", "", ""))
        archival = self.server.get(f"/video-archive/instances/{self.derived_id}/provenance")["Record"]["WatermarkId"]
        self.assertNotEqual(record["WatermarkId"], archival)
        served = self.server.get(f"/video-archive/instances/{copy_id}/provenance")
        self.assertEqual(served["Watermark"]["ArchiveId"], record["WatermarkId"])
        self.assertEqual(served["Watermark"]["ArchiveRecord"]["Kind"], "deidentified")
        # The burned-in region is black in every frame (the first and the last checked); it was white.
        mp4 = media.extract_bitstream(copy, self.path("deid.mp4"))
        x, y, w, h = BURNED
        for select in ("eq(n\\,0)", "eq(n\\,50)"):
            gray = subprocess.run(["ffmpeg", "-v", "error", "-i", mp4, "-vf", f"select={select},crop={w}:{h}:{x}:{y}",
                                   "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                                  capture_output=True, check=True).stdout
            self.assertEqual(len(gray), w * h)
            self.assertLess(max(gray), 40, "masked region not black")
        # On request too; a second copy changes nothing: same UIDs.
        again = self.server.post(f"/video-archive/studies/{study}/deidentify")
        self.assertEqual(again["DeidentifiedStudyInstanceUID"], new_study)
        self.assertEqual(self.wait_job(again["Job"])["State"], "Success")
        # A researcher may read the copy, not the original.
        scientist = {"Authorization": basic("scientist", PASSWORD)}
        self.assertEqual(self.server.request("GET", f"/instances/{copy_id}/file", headers=scientist, raw=True)[0], 200)
        with self.assertRaises(HttpError) as refused:
            self.server.request("GET", f"/instances/{self.source_id}/file", headers=scientist, raw=True)
        self.assertEqual(refused.exception.status, 403)


if __name__ == "__main__":
    unittest.main()
