"""Bad input fails visibly and loses nothing; a kill -9 or a restart in the middle of a job loses no work."""
import os
import shutil
import struct
import tempfile
import time
import unittest

import pydicom
from pydicom.encaps import encapsulate

import media
from orthanc_server import HttpError, OrthancServer

VIDEO_ENDOSCOPIC = "1.2.840.10008.5.1.4.1.1.77.1.1.1"


def rewrite_pixel_data(src, out, transform, new_sop_suffix):
    """Copies a video instance with its bitstream changed by transform(bytes) -> list of fragments."""
    ds = pydicom.dcmread(src)
    stream = b"".join(media.encapsulated_items(ds.PixelData)[1:])
    new_fragments = transform(stream)
    ds.PixelData = encapsulate(new_fragments, has_bot=False) if new_fragments else \
        b"\xfe\xff\x00\xe0\x00\x00\x00\x00"  # only an empty Basic Offset Table item
    ds.SOPInstanceUID = ds.SOPInstanceUID + new_sop_suffix
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(out, write_like_original=False)
    return out


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-bad-")
        t = lambda name: os.path.join(cls.tmp, name)
        good = media.dicomize(media.NEURO_H264, t("good.dcm"))
        cls.truncated = rewrite_pixel_data(good, t("truncated.dcm"), lambda s: [s[: len(s) * 45 // 100]], ".1")

        def corrupt(stream):
            noise = bytes((i * 7919 + 13) % 251 for i in range(len(stream) // 3))
            start = len(stream) // 3
            return [stream[:start] + noise + stream[start + len(noise):]]
        cls.corrupt = rewrite_pixel_data(good, t("corrupt.dcm"), corrupt, ".2")
        cls.no_fragments = rewrite_pixel_data(good, t("nofrag.dcm"), lambda s: [], ".3")
        # A real ultrasound cine (JPEG baseline) dressed as a Video Endoscopic instance: not a video at all.
        ds = pydicom.dcmread(os.path.join(media.DICOM_VIDEO, "orthanc-tests_Issue16_US-MF_jpeg50_34f.dcm"))
        ds.SOPClassUID = VIDEO_ENDOSCOPIC
        ds.file_meta.MediaStorageSOPClassUID = VIDEO_ENDOSCOPIC
        cls.not_video = t("not-video.dcm")
        ds.save_as(cls.not_video)
        # Synthetic 4400x2200 (9.7 Mpixel: above HEVC Level 5.1's 8.9 Mpixel per picture), three frames.
        big = t("big.mp4")
        media.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=4400x2200:rate=25",
                   "-frames:v", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", big])
        # Our writer refuses to make such an instance, so dress it by hand as a misbehaving modality would.
        ds = pydicom.dcmread(good)
        ds.Rows, ds.Columns, ds.NumberOfFrames = 2200, 4400, 3
        ds.PixelData = encapsulate([open(big, "rb").read()], has_bot=False)
        ds.SOPInstanceUID = ds.SOPInstanceUID + ".5"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        cls.too_big = t("big.dcm")
        ds.save_as(cls.too_big)
        cls.server = OrthancServer(name="bad").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assert_fails_and_keeps_original(self, path, reason_words):
        stored = self.server.post("/instances", open(path, "rb").read())
        task = self.server.wait_task(stored["ID"])
        self.assertEqual(task["State"], "failed", task)
        for word in reason_words:
            self.assertIn(word.lower(), task["Reason"].lower(), task)
        job = self.server.get(f"/jobs/{task['JobID']}")
        self.assertEqual(job["State"], "Failure")
        self.assertEqual(job["Content"]["Error"], task["Reason"])
        # The original is still there, byte for byte; Orthanc is still up.
        _, _, body = self.server.get(f"/instances/{stored['ID']}/file", raw=True)
        self.assertEqual(body, open(path, "rb").read())
        self.assertIn("Version", self.server.get("/system"))

    def test_truncated_bitstream(self):
        self.assert_fails_and_keeps_original(self.truncated, ["truncated", "111 video frames"])

    def test_corrupt_bitstream(self):
        self.assert_fails_and_keeps_original(self.corrupt, ["decode error"])

    def test_unknown_transfer_syntax(self):
        # A (truncated) video instance whose meta header names a transfer syntax no standard defines. Orthanc 1.10
        # either refuses it with a 4xx or stores it with the syntax DCMTK detects in the data set (it rewrites the
        # meta header); the job then fails with a reason. Nothing crashes, nothing is lost.
        data = open(self.truncated, "rb").read()
        meta_end = 132 + 12 + struct.unpack("<I", data[140:144])[0]
        meta = data[:meta_end].replace(b"1.2.840.10008.1.2.4.102", b"1.2.840.10008.1.2.4.999", 1)
        self.assertNotEqual(meta, data[:meta_end])
        path = os.path.join(self.tmp, "unknown-ts.dcm")
        with open(path, "wb") as f:
            f.write(meta + data[meta_end:])
        try:
            stored = self.server.post("/instances", open(path, "rb").read())
        except HttpError as e:
            self.assertIn(e.status, (400, 415))
        else:
            task = self.server.wait_task(stored["ID"])
            self.assertEqual(task["State"], "failed", task)
            self.assertTrue(task["Reason"], task)
        self.assertIn("Version", self.server.get("/system"))

    def test_above_hevc_level_5_1_is_refused(self):
        self.assert_fails_and_keeps_original(self.too_big, ["4400x2200", "Level 5.1"])

    def test_no_fragments(self):
        self.assert_fails_and_keeps_original(self.no_fragments, ["fragment"])

    def test_non_video_instance_of_a_video_sop_class(self):
        self.assert_fails_and_keeps_original(self.not_video, ["not an MPEG-2, H.264 or HEVC"])

    def test_non_video_objects_are_left_alone(self):
        stored = self.server.post("/instances", open(
            os.path.join(media.DICOM_VIDEO, "fo-dicom_HasFragmentSequence_XA_jpeg50_96f.dcm"), "rb").read())
        with self.assertRaises(HttpError) as e:
            self.server.get(f"/video-archive/tasks/{stored['ID']}")
        self.assertEqual(e.exception.status, 404)

    def test_failed_task_can_be_rerun_on_request(self):
        stored = self.server.post("/instances", open(self.no_fragments, "rb").read())
        self.server.wait_task(stored["ID"])
        again = self.server.post(f"/video-archive/instances/{stored['ID']}/archive")
        self.assertIn(again["State"], ("pending", "running", "failed"))
        task = self.server.wait_task(stored["ID"])
        self.assertEqual(task["State"], "failed")


class CrashResumeTest(unittest.TestCase):
    """kill -9 in the middle of a transcode, then a clean stop in the middle of another: both resume."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-crash-")
        cls.input = media.dicomize(media.LAPARO_H264, os.path.join(cls.tmp, "laparo.dcm"))
        # Slow steps so that the kill lands mid-transcode.
        cls.server = OrthancServer({"Preset": "medium", "FramesPerStep": 5}, name="crash").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def wait_progress(self, source, minimum):
        deadline = time.time() + 300
        while time.time() < deadline:
            task = self.server.get(f"/video-archive/tasks/{source}")
            if task["State"] == "running" and task["JobID"]:
                job = self.server.get(f"/jobs/{task['JobID']}")
                if job["Progress"] >= minimum:
                    return task
            time.sleep(0.2)
        self.fail("the job never made progress")

    def test_kill9_and_restart_resume_the_job(self):
        source = self.server.post("/instances", open(self.input, "rb").read())["ID"]
        self.wait_progress(source, 20)
        self.server.kill9()
        self.server.start()
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "done", task)
        self.assertEqual(task["Attempts"], 2)
        # Exactly one archival copy in the study.
        study = self.server.get(f"/instances/{source}/study")
        series = [self.server.get(f"/series/{s}")["MainDicomTags"].get("SeriesDescription")
                  for s in study["Series"]]
        self.assertEqual(series.count("Archival HEVC copy"), 1)
        quality = self.server.get(f"/video-archive/instances/{task['DerivedInstance']}/quality")
        self.assertEqual(quality["SourceFrames"], 250)
        self.assertEqual(quality["DerivedFramesDecoded"], 250)
        self.assertIn("Version", self.server.get("/system"))
        # No scratch file of the killed run is left behind.
        scratch = os.path.join(self.server.data, "video-archive", "scratch")
        self.assertEqual(os.listdir(scratch) if os.path.isdir(scratch) else [], [])

    def test_clean_stop_mid_job_resumes_without_spending_an_attempt(self):
        ds = pydicom.dcmread(self.input)
        ds.SOPInstanceUID = ds.SOPInstanceUID + ".7"
        ds.StudyInstanceUID = ds.StudyInstanceUID + ".7"  # its own study, so each test counts its own copies
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        path = os.path.join(self.tmp, "laparo-2.dcm")
        ds.save_as(path)
        source = self.server.post("/instances", open(path, "rb").read())["ID"]
        self.wait_progress(source, 20)
        self.server.stop()
        self.server.start()
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "done", task)
        self.assertEqual(task["Attempts"], 1)


if __name__ == "__main__":
    unittest.main()
