"""Options: HEVC Main 10, deleting the original after a verified copy, and a quality gate that fails."""
import os
import shutil
import tempfile
import unittest

import media
from orthanc_server import HttpError, OrthancServer


class Main10AndDeleteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-opt-")
        cls.input = media.dicomize(media.ROBOT_MASK, os.path.join(cls.tmp, "mask.dcm"))
        cls.hevc = media.dicomize(media.make_hevc_clip(os.path.join(cls.tmp, "hevc.mp4"), seconds=1),
                                  os.path.join(cls.tmp, "hevc.dcm"))
        cls.server = OrthancServer({"BitDepth": 10, "DeleteOriginal": True, "Preset": "ultrafast",
                                    "ReencodeHevc": True, "SeriesNumberOffset": 5}, name="main10").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_main10_copy_replaces_the_original(self):
        source = self.server.post("/instances", open(self.input, "rb").read())["ID"]
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "done", task)
        dcm = os.path.join(self.tmp, "derived.dcm")
        with open(dcm, "wb") as f:
            f.write(self.server.get(f"/instances/{task['DerivedInstance']}/file", raw=True)[2])
        d = media.dcmdump(dcm)
        self.assertEqual(d["0002,0010"], "1.2.840.10008.1.2.4.108")
        self.assertEqual((d["0028,0100"], d["0028,0101"], d["0028,0102"]), ("16", "10", "9"))
        self.assertEqual(int(d["0020,0011"]), int(media.dcmdump(self.input)["0020,0011"]) + 5)
        v = media.video_stream(media.ffprobe(media.extract_bitstream(dcm, os.path.join(self.tmp, "d.mp4"))))
        self.assertEqual(v["profile"], "Main 10")
        self.assertEqual(v["pix_fmt"], "yuv420p10le")
        # Verified and gated, so the original was deleted, and the catalog says so.
        with self.assertRaises(HttpError) as e:
            self.server.get(f"/instances/{source}")
        self.assertEqual(e.exception.status, 404)
        self.assertTrue(self.server.get(f"/video-archive/instances/{task['DerivedInstance']}/quality")
                        ["SourceDeleted"])

    def test_hevc_source_is_reencoded_when_configured(self):
        source = self.server.post("/instances", open(self.hevc, "rb").read())["ID"]
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "done", task)
        self.assertEqual(task["Quality"]["SourceTransferSyntax"], "1.2.840.10008.1.2.4.107")
        self.assertEqual(task["Quality"]["SourceFrames"], task["Quality"]["DerivedFramesDecoded"])


class GateFailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-gate-")
        cls.input = media.dicomize(media.ROBOT_MASK, os.path.join(cls.tmp, "mask.dcm"))
        cls.server = OrthancServer({"DeleteOriginal": True, "Preset": "ultrafast", "Crf": 40,
                                    "QualityGate": {"MinPsnrY": 99, "MinSsim": 0.999}}, name="gate").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_failed_gate_flags_the_copy_and_keeps_the_original(self):
        source = self.server.post("/instances", open(self.input, "rb").read())["ID"]
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "done", task)
        quality = self.server.get(f"/instances/{task['DerivedInstance']}/metadata/4601")
        self.assertFalse(quality["GatePassed"])
        self.assertEqual(self.server.get(f"/instances/{source}")["ID"], source)  # never removed
        dcm = os.path.join(self.tmp, "derived.dcm")
        with open(dcm, "wb") as f:
            f.write(self.server.get(f"/instances/{task['DerivedInstance']}/file", raw=True)[2])
        self.assertIn("FAILED", media.dcmdump(dcm)["0008,2111"])


class UploadsDisabledTest(unittest.TestCase):
    """With uploads off, STOW-RS to the video root is refused with a reason, and a wrong method gets 405 with the
    allowed methods (Orthanc would close the connection on a 405 sent as a plain status)."""

    @classmethod
    def setUpClass(cls):
        cls.server = OrthancServer({"AutoArchive": False, "Uploads": {"Enable": False}}, name="no-uploads").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_stow_refused_with_reason(self):
        body = b"--b\r\nContent-Type: application/dicom\r\n\r\nxx\r\n--b--\r\n"
        headers = {"Content-Type": 'multipart/related; type="application/dicom"; boundary=b'}
        for path in ("/video-archive/dicom-web/studies", "/video-archive/dicom-web/studies/1.2.3"):
            with self.subTest(path=path):
                with self.assertRaises(HttpError) as e:
                    self.server.request("POST", path, body=body, headers=headers)
                self.assertEqual(e.exception.status, 404)
                self.assertIn(b"VideoArchive.Uploads.Enable", e.exception.body)
        with self.assertRaises(HttpError) as e:
            self.server.request("PUT", "/video-archive/dicom-web/studies", body=b"x")
        self.assertEqual(e.exception.status, 405)
        self.assertEqual(self.server.get("/system")["Name"], "VideoArchive")


class BadConfigurationTest(unittest.TestCase):
    def test_unknown_option_stops_the_plugin_with_a_reason(self):
        server = OrthancServer({"Presett": "fast"}, name="badconf")
        try:
            with self.assertRaises(RuntimeError):
                server.start(timeout=30)
            self.assertIn("unknown option VideoArchive.Presett", open(server.log_path).read())
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
