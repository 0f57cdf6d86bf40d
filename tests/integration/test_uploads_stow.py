"""STOW-RS with metadata and bulkdata (PS3.18 10.5) for video, sent with curl, under our own DICOMweb root."""
import json
import os
import subprocess
import unittest

import pydicom

import media
from orthanc_server import HTTP_PORT, OrthancServer

STOW = f"http://127.0.0.1:{HTTP_PORT}/video-archive/dicom-web/studies"
BOUNDARY = "video-archive-boundary-7f3a"


def metadata(**overrides):
    ds = {
        "00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.77.1.1.1"]},
        "00100020": {"vr": "LO", "Value": ["VA-2002"]},
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": "ROE^RICHARD"}]},
        "00100030": {"vr": "DA", "Value": ["19650412"]},
        "00100040": {"vr": "CS", "Value": ["M"]},
        "00080050": {"vr": "SH", "Value": ["ACC2002"]},
        "00081030": {"vr": "LO", "Value": ["Craniotomy"]},
        "00080080": {"vr": "LO", "Value": ["University Hospital"]},
        "00080070": {"vr": "LO", "Value": ["Scope Corp"]},
        "0008002A": {"vr": "DT", "Value": ["20261127091500+0100"]},
        "7FE00010": {"vr": "OB", "BulkDataURI": "http://recorder.example/bulk/1"},
    }
    ds.update(overrides)
    return [{k: v for k, v in ds.items() if v is not None}]


def multipart(dir_, meta, video, video_type="video/mp4", location="http://recorder.example/bulk/1"):
    path = os.path.join(dir_, "stow-body")
    with open(path, "wb") as f:
        f.write(f"--{BOUNDARY}\r\nContent-Type: application/dicom+json\r\n\r\n".encode())
        f.write(json.dumps(meta).encode())
        f.write(f"\r\n--{BOUNDARY}\r\nContent-Type: {video_type}\r\nContent-Location: {location}\r\n\r\n".encode())
        with open(video, "rb") as v:
            f.write(v.read())
        f.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path


def curl_stow(body, url=STOW, chunked=False, parts="application/dicom+json"):
    cmd = ["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", "--data-binary", "@" + body, "-H",
           f'Content-Type: multipart/related; type="{parts}"; boundary={BOUNDARY}',
           "-H", "Accept: application/dicom+json"]
    if chunked:
        cmd += ["-H", "Transfer-Encoding: chunked"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=900).stdout
    text, status = out.rsplit("\n", 1)
    try:
        return int(status), json.loads(text) if text.strip() else None
    except ValueError:
        return int(status), text  # not JSON (another server's answer): as it came


class StowVideo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.orthanc = OrthancServer({"Preset": "ultrafast"}, name="stow").start()

    @classmethod
    def tearDownClass(cls):
        cls.orthanc.stop()

    def test_metadata_and_mp4_bulkdata_become_a_conformant_instance(self):
        body = multipart(self.orthanc.dir, metadata(), media.NEURO_H264)
        status, answer = curl_stow(body, chunked=True)
        self.assertEqual(status, 200, answer)
        refs = answer["00081199"]["Value"]
        self.assertEqual(len(refs), 1)
        sop = refs[0]["00081155"]["Value"][0]
        self.assertEqual(refs[0]["00081150"]["Value"][0], "1.2.840.10008.5.1.4.1.1.77.1.1.1")
        instance = self.orthanc.instance_id_of(sop)
        self.assertIsNotNone(instance)
        path = os.path.join(self.orthanc.dir, "stow.dcm")
        with open(path, "wb") as f:
            f.write(self.orthanc.request("GET", f"/instances/{instance}/file", raw=True)[2])
        ds = pydicom.dcmread(path)
        self.assertEqual(ds.PatientID, "VA-2002")
        self.assertEqual(str(ds.PatientName), "ROE^RICHARD")
        self.assertEqual(ds.AccessionNumber, "ACC2002")
        self.assertEqual(ds.InstitutionName, "University Hospital")
        # Pixel description derived by the server from the video itself.
        self.assertEqual((ds.Rows, ds.Columns), (720, 1280))
        self.assertEqual(int(ds.NumberOfFrames), 111)
        self.assertEqual(ds.file_meta.TransferSyntaxUID, "1.2.840.10008.1.2.4.102")
        # 09:15 at +01:00 is 08:15 UTC.
        self.assertTrue(ds.AcquisitionDateTime.startswith("20261127081500"), ds.AcquisitionDateTime)

    def test_a_given_sop_instance_uid_and_the_study_in_the_url_are_kept(self):
        meta = metadata(**{"00080018": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.10.543.77.1"]},
                           "0020000D": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.10.543.77"]}})
        body = multipart(self.orthanc.dir, meta, media.NEURO_MPEG2, video_type="video/mpeg")
        status, answer = curl_stow(body, url=STOW + "/1.2.826.0.1.3680043.10.543.77")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["00081199"]["Value"][0]["00081155"]["Value"][0], "1.2.826.0.1.3680043.10.543.77.1")
        body = multipart(self.orthanc.dir, meta, media.NEURO_MPEG2, video_type="video/mpeg")
        status, answer = curl_stow(body, url=STOW + "/1.2.826.0.1.3680043.10.543.99")
        self.assertEqual(status, 409, answer)

    def test_dicom_files_are_stored_through_the_same_root(self):
        """type="application/dicom" (Part 10 files) on the archive's root: stored, answered as PS3.18 10.5.3 says."""
        path = media.dicomize(media.NEURO_MPEG2, os.path.join(self.orthanc.dir, "part10.dcm"), "--sop-uid",
                              "1.2.826.0.1.3680043.10.543.77.9")
        body = os.path.join(self.orthanc.dir, "part10-body")
        with open(body, "wb") as f:
            f.write(f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode())
            f.write(open(path, "rb").read())
            f.write(f"\r\n--{BOUNDARY}--\r\n".encode())
        status, answer = curl_stow(body, parts="application/dicom")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["00081199"]["Value"][0]["00081155"]["Value"][0], "1.2.826.0.1.3680043.10.543.77.9")
        found = self.orthanc.post("/tools/lookup", b"1.2.826.0.1.3680043.10.543.77.9")
        self.assertEqual([r["Type"] for r in found], ["Instance"])
        # A file of another study than the URL's, and a part that is not DICOM: 409, each in the Failed SOP Sequence
        # with the reason.
        status, answer = curl_stow(body, url=STOW + "/1.2.3.4", parts="application/dicom")
        self.assertEqual(status, 409, answer)
        self.assertIn("not the study in the URL", answer["VideoArchiveErrors"][0])
        with open(body, "wb") as f:
            f.write(f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\nnot DICOM\r\n--{BOUNDARY}--\r\n".encode())
        status, answer = curl_stow(body, parts="application/dicom")
        self.assertEqual(status, 409, answer)
        self.assertEqual(answer["00081198"]["Value"][0]["00081197"]["Value"][0], 0xC000)

    def test_bad_requests_say_why(self):
        cases = [
            (metadata(**{"00100020": None}), "video/mp4", "PatientID"),
            (metadata(**{"00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]}}), "video/mp4", "00080016"),
            (metadata(**{"7FE00010": None}), "video/mp4", "7FE00010"),
            (metadata(), "image/jpeg", "Content-Type"),
        ]
        for meta, vtype, word in cases:
            with self.subTest(word=word):
                status, answer = curl_stow(multipart(self.orthanc.dir, meta, media.NEURO_H264, video_type=vtype))
                self.assertIn(status, (400, 415), answer)
                self.assertIn(word, answer["Message"])
        status, answer = curl_stow(multipart(self.orthanc.dir, metadata(), media.NEURO_H264,
                                             location="http://elsewhere/2"))
        self.assertEqual(status, 400, answer)
        self.assertIn("BulkDataURI", answer["Message"])


if __name__ == "__main__":
    unittest.main()
