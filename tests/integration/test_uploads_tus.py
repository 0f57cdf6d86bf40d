"""Recorder uploads over tus 1.0: the real tus-js-client through nginx, interruptions, kill -9, checksums, bad input."""
import base64
import hashlib
import json
import os
import subprocess
import time
import unittest

import pydicom

import media
from uploads import ROOT, record, sha256_file, upload_metadata, wait_upload
from gateway import NginxGateway, tus_upload
from orthanc_server import HTTP_PORT, HttpError, OrthancServer

def events(process, timeout=300):
    """Yields the JSON events of a tus-js-client process as they come."""
    deadline = time.time() + timeout
    for line in process.stdout:
        if time.time() > deadline:
            process.kill()
            raise AssertionError("tus client took too long")
        line = line.strip()
        if line.startswith("{"):
            yield json.loads(line)


class TusUploads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.orthanc = OrthancServer({"Preset": "ultrafast"}, name="tus").start()
        cls.gateway = NginxGateway().start()
        cls.endpoint = cls.gateway.url + ROOT

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.orthanc.stop()

    def tus(self, method, path, body=None, headers=None):
        h = {"Tus-Resumable": "1.0.0"}
        h.update(headers or {})
        return self.orthanc.request(method, path, body=body, headers=h, raw=True)

    def create(self, length, rec=None):
        status, headers, body = self.tus("POST", ROOT, headers={
            "Upload-Length": str(length), "Upload-Metadata": upload_metadata(rec or record())})
        self.assertEqual(status, 201, body)
        return headers["Location"]

    def wait_upload(self, location):
        return wait_upload(self.orthanc, location)

    def run_client(self, path, rec, *options):
        p = tus_upload(self.endpoint, path, json.dumps(rec), *options)
        seen = list(events(p))
        p.wait(timeout=60)
        return p.returncode, seen, p.stderr.read()

    def instance_file(self, instance_id, out):
        with open(out, "wb") as f:
            f.write(self.orthanc.request("GET", f"/instances/{instance_id}/file", raw=True)[2])
        return out

    # -- the whole path with an off-the-shelf client -------------------------------------------------------------
    def test_tus_js_client_upload_becomes_conformant_dicom_with_the_record(self):
        rc, seen, err = self.run_client(media.LAPARO_H264, record(sha256=sha256_file(media.LAPARO_H264)),
                                        "--chunk", str(1 << 20))
        self.assertEqual(rc, 0, f"{seen}\n{err}")
        location = seen[-1]["url"].replace(self.gateway.url, "")
        u = self.wait_upload(location)
        self.assertEqual(u["State"], "Done", u)
        series = u["Result"]["Series"]
        self.assertEqual(len(series), 1)
        self.assertEqual(series[0]["Path"], "wrapped", series[0]["Why"])
        instances = series[0]["Instances"]
        self.assertEqual(len(instances), 1)
        self.assertEqual(instances[0]["Frames"], 250)

        path = self.instance_file(instances[0]["ID"], os.path.join(self.orthanc.dir, "upload.dcm"))
        ds = pydicom.dcmread(path)
        self.assertEqual(ds.file_meta.TransferSyntaxUID, "1.2.840.10008.1.2.4.102")
        self.assertEqual(ds.SOPClassUID, "1.2.840.10008.5.1.4.1.1.77.1.1.1")  # Video Endoscopic
        self.assertEqual(ds.PatientID, "VA-1001")
        self.assertEqual(str(ds.PatientName), "DOE^JANE")
        self.assertEqual(ds.PatientBirthDate, "19700301")
        self.assertEqual(ds.PatientSex, "F")
        self.assertEqual(ds.AccessionNumber, "ACC1001")
        self.assertEqual(ds.StudyDescription, "Laparoscopic cholecystectomy")
        self.assertEqual(ds.ProcedureCodeSequence[0].CodeValue, "45595009")
        self.assertEqual(ds.ProcedureCodeSequence[0].CodingSchemeDesignator, "SCT")
        self.assertEqual(str(ds.OperatorsName), "SMITH^ANNA")
        self.assertEqual(ds.InstitutionName, "General Hospital")
        self.assertEqual(ds.Manufacturer, "Acme Medical")
        self.assertEqual(ds.ManufacturerModelName, "OR-Rec 3")
        self.assertEqual(ds.DeviceSerialNumber, "SN-42")
        self.assertTrue(ds.AcquisitionDateTime.startswith("20261127081500"), ds.AcquisitionDateTime)
        self.assertEqual(ds.StudyDate, "20261127")
        self.assertEqual(int(ds.NumberOfFrames), 250)
        self.assertEqual((ds.Rows, ds.Columns), (720, 1280))
        mp4 = media.extract_bitstream(path, os.path.join(self.orthanc.dir, "upload.mp4"))
        probe = media.ffprobe(mp4)
        self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])
        self.assertEqual(int(media.video_stream(probe)["nb_read_frames"]), 250)
        # The wrapped H.264 instance goes through the archival transcode of the foundation like any other.
        task = self.orthanc.wait_task(instances[0]["ID"])
        self.assertEqual(task["State"], "done", task)

    def test_an_interrupted_upload_resumes_where_it_stopped(self):
        size = os.path.getsize(media.LAPARO_H264)
        rc, seen, err = self.run_client(media.LAPARO_H264, record(), "--chunk", str(256 << 10), "--stop-at", "0.5")
        self.assertEqual(rc, 3, f"{seen}\n{err}")
        url = seen[-1]["url"]
        location = url.replace(self.gateway.url, "")
        held = self.orthanc.get(location)
        self.assertGreaterEqual(held["Offset"], size // 2)
        self.assertEqual(held["State"], "Receiving")
        # A fresh client process resumes from the server's offset instead of starting over.
        rc, seen, err = self.run_client(media.LAPARO_H264, record(), "--chunk", str(256 << 10), "--resume", url)
        self.assertEqual(rc, 0, f"{seen}\n{err}")
        progress = [e for e in seen if e["event"] == "progress"]
        self.assertLessEqual(len(progress), (size - held["Offset"]) // (256 << 10) + 1, "it re-sent accepted bytes")
        self.assertEqual(self.wait_upload(location)["State"], "Done")

    def test_killing_orthanc_mid_upload_loses_nothing_and_the_client_resumes_after_restart(self):
        rec = record(sha256=sha256_file(media.LAPARO_H264), patientId="VA-KILL")
        p = tus_upload(self.endpoint, media.LAPARO_H264, json.dumps(rec), "--chunk", str(128 << 10),
                       "--delay", "150")
        killed_at = None
        url = None
        for e in events(p):
            if e["event"] == "progress" and killed_at is None and e["accepted"] >= 0.3 * e["total"]:
                url = e["url"]
                killed_at = e["accepted"]
                self.orthanc.kill9()
                time.sleep(1)
                self.orthanc.start()
            if e["event"] in ("done", "error"):
                last = e
                break
        p.wait(timeout=60)
        self.assertIsNotNone(killed_at, "the upload finished before it could be interrupted")
        self.assertEqual(last["event"], "done", f"{last}\n{p.stderr.read()}\n{self.orthanc.log_tail()}")
        u = self.wait_upload(url.replace(self.gateway.url, ""))
        # The ingest checked the SHA-256 of the whole reassembled file against the recorder's.
        self.assertEqual(u["State"], "Done", u)
        self.assertEqual(u["Result"]["Series"][0]["Instances"][0]["Frames"], 250)

    # -- protocol details with a raw HTTP client -----------------------------------------------------------------
    def test_a_chunk_with_a_wrong_checksum_is_discarded(self):
        location = self.create(10)
        good = "sha256 " + base64.b64encode(hashlib.sha256(b"0123456789").digest()).decode()
        bad = "sha256 " + base64.b64encode(hashlib.sha256(b"corrupted!").digest()).decode()
        patch = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
        with self.assertRaises(HttpError) as ctx:
            self.tus("PUT", location, b"0123456789", dict(patch, **{"Upload-Checksum": bad}))
        self.assertEqual(ctx.exception.status, 417)  # Orthanc cannot send 460; the gateway maps it (below)
        self.assertIn(b"discarded", ctx.exception.body)
        # Through the nginx gateway a standard tus client sees 460 Checksum Mismatch.
        answer = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH",
                                 "--data-binary", "0123456789", "-H", "Tus-Resumable: 1.0.0",
                                 "-H", "Content-Type: application/offset+octet-stream", "-H", "Upload-Offset: 0",
                                 "-H", "Upload-Checksum: " + bad, self.gateway.url + location],
                                capture_output=True, text=True, timeout=30).stdout
        self.assertEqual(answer, "460")
        self.assertEqual(self.orthanc.get(location)["Offset"], 0)
        # A good chunk, sent with Transfer-Encoding: chunked as recorders streaming a live file do.
        answer = subprocess.run(["curl", "-s", "-D", "-", "-o", "/dev/null", "-X", "PUT", "--data-binary",
                                 "0123456789", "-H", "Transfer-Encoding: chunked", "-H", "Tus-Resumable: 1.0.0",
                                 "-H", "Content-Type: application/offset+octet-stream", "-H", "Upload-Offset: 0",
                                 "-H", "Upload-Checksum: " + good, f"http://127.0.0.1:{HTTP_PORT}{location}"],
                                capture_output=True, text=True, timeout=30).stdout
        self.assertIn("204", answer.splitlines()[0])
        self.assertIn("Upload-Offset: 10", answer)
        with self.assertRaises(HttpError) as ctx:
            self.tus("PUT", location, b"x", dict(patch, **{"Upload-Checksum": "md5 AAAA"}))
        self.assertEqual(ctx.exception.status, 400)

    def test_protocol_errors_are_answered_as_tus_says(self):
        location = self.create(100)
        patch = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
        cases = [
            ("PUT", location, dict(patch, **{"Tus-Resumable": "0.2.2"}), 412),
            ("PUT", location, dict(patch, **{"Upload-Offset": "5"}), 409),
            ("PUT", location, dict(patch, **{"Content-Type": "application/json"}), 415),
            ("PUT", location, {"Content-Type": "application/offset+octet-stream"}, 400),
            ("PUT", ROOT + "/0123456789abcdef0123456789abcdef", patch, 404),
            ("POST", ROOT, {"Upload-Length": str(1 << 50), "Upload-Metadata": upload_metadata(record())}, 413),
            ("POST", ROOT, {"Upload-Length": "-1", "Upload-Metadata": upload_metadata(record())}, 400),
            ("POST", ROOT, {"Upload-Metadata": upload_metadata(record())}, 400),
        ]
        for method, path, headers, expected in cases:
            with self.subTest(method=method, headers=headers):
                with self.assertRaises(HttpError) as ctx:
                    self.tus(method, path, b"abc", headers)
                self.assertEqual(ctx.exception.status, expected, ctx.exception.body)
                self.assertIn("Message", json.loads(ctx.exception.body))
        # Discovery (OPTIONS through the gateway) and termination.
        answer = subprocess.run(["curl", "-s", "-i", "-X", "OPTIONS", self.endpoint], capture_output=True,
                                text=True, timeout=30).stdout
        self.assertIn("Tus-Version: 1.0.0", answer)
        self.assertRegex(answer, r"Tus-Extension: .*checksum")
        self.assertIn("Tus-Checksum-Algorithm: sha256", answer)
        head = subprocess.run(["curl", "-s", "-I", "-H", "Tus-Resumable: 1.0.0", self.gateway.url + location],
                              capture_output=True, text=True, timeout=30).stdout
        self.assertIn("Upload-Offset: 0", head)
        self.assertIn("Upload-Length: 100", head)
        status, _, _ = self.tus("DELETE", location)
        self.assertEqual(status, 204)
        with self.assertRaises(HttpError) as ctx:
            self.orthanc.get(location)
        self.assertEqual(ctx.exception.status, 404)

    def test_bad_metadata_names_the_field_and_keeps_nothing(self):
        before = len(self.orthanc.get(ROOT))
        cases = {
            "organisation": record(organisation=None),
            "patientBirthDate": record(patientBirthDate="1970-02-30"),
            "recordingStart": record(recordingStart="2026-11-27T08:15:00+02:00"),
            "videoKind": record(videoKind="ultrasound"),
            "stereo": record(stereo="anaglyph"),
            "patientId": record(patientId=None, accessionNumber=None),
            "colour": dict(record(), colour="blue"),
            "accessionNumber": record(accessionNumber="A" * 17),
        }
        for field, rec in cases.items():
            with self.subTest(field=field):
                with self.assertRaises(HttpError) as ctx:
                    self.tus("POST", ROOT, headers={"Upload-Length": "10", "Upload-Metadata": upload_metadata(rec)})
                self.assertEqual(ctx.exception.status, 400)
                self.assertIn(field, json.loads(ctx.exception.body)["Message"])
        self.assertEqual(len(self.orthanc.get(ROOT)), before)



class TusLimits(unittest.TestCase):
    def setUp(self):
        self.orthanc = OrthancServer({"Uploads": {"ExpirationHours": 0.002, "MaxBufferedRequestMegabytes": 1}},
                                     name="tus-limits").start()

    def tearDown(self):
        self.orthanc.stop()

    def test_a_large_body_must_stream_and_is_refused_before_orthanc_buffers_it(self):
        body = os.urandom(3 << 20)
        location = self.orthanc.request("POST", ROOT, raw=True, headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(len(body)),
            "Upload-Metadata": upload_metadata(record())})[1]["Location"]
        path = os.path.join(self.orthanc.dir, "body.bin")
        with open(path, "wb") as f:
            f.write(body)
        url = f"http://127.0.0.1:{HTTP_PORT}{location}"
        common = ["-H", "Tus-Resumable: 1.0.0", "-H", "Content-Type: application/offset+octet-stream",
                  "-H", "Upload-Offset: 0"]
        # With Content-Length, Orthanc would read 3 MiB into memory first: refused unread, with the reason.
        out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "PUT", "--data-binary", "@" + path,
                              *common, url], capture_output=True, text=True, timeout=60).stdout
        text, status = out.rsplit("\n", 1)
        self.assertEqual(status, "413", text)
        self.assertIn("Transfer-Encoding: chunked", text)
        self.assertEqual(self.orthanc.get(location)["Offset"], 0)
        # The same bytes streamed with Transfer-Encoding: chunked are taken.
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", path,
                              "-H", "Transfer-Encoding: chunked", *common, url],
                             capture_output=True, text=True, timeout=60).stdout
        self.assertEqual(out, "204")
        self.assertEqual(self.orthanc.get(location)["Offset"], len(body))

    def test_an_abandoned_upload_expires_and_its_bytes_are_deleted(self):
        location = self.orthanc.request("POST", ROOT, raw=True, headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": "1000", "Upload-Metadata": upload_metadata(record())})[1]["Location"]
        self.orthanc.request("PUT", location, body=b"x" * 10, headers={
            "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})
        part = os.path.join(self.orthanc.data, "video-archive", "uploads", location.rsplit("/", 1)[1] + ".part")
        self.assertTrue(os.path.exists(part))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.orthanc.get(location)
            except HttpError as e:
                self.assertEqual(e.status, 404)
                break
            time.sleep(1)
        else:
            self.fail("the upload did not expire")
        self.assertFalse(os.path.exists(part))



if __name__ == "__main__":
    unittest.main()
