"""Foundation: C-STORE / REST / STOW-RS of DICOM video -> archival HEVC job -> DICOMweb, against a real Orthanc."""
import os
import shutil
import subprocess
import tempfile
import unittest

import media
from orthanc_server import OrthancServer

HEVC_MAIN = "1.2.840.10008.1.2.4.107"
VIDEO_ENDOSCOPIC = "1.2.840.10008.5.1.4.1.1.77.1.1.1"


class ArchiveTest(unittest.TestCase):
    """Default configuration (x265 preset and CRF as shipped)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-inputs-")
        t = lambda name: os.path.join(cls.tmp, name)
        cls.mpeg2 = media.dicomize(media.NEURO_MPEG2, t("mpeg2.dcm"), "--patient-id", "PAT-MPEG2")
        cls.h264 = media.dicomize(media.NEURO_H264, t("h264.dcm"), "--patient-id", "PAT-H264", "--sop",
                                  "microscopic")
        cls.h264_rest = media.dicomize(media.ROBOT_MASK, t("h264-rest.dcm"), "--sop", "photographic")
        cls.h264_stow = media.dicomize(media.ROBOT_MASK, t("h264-stow.dcm"))
        cls.hevc = media.dicomize(media.make_hevc_clip(t("hevc.mp4")), t("hevc.dcm"))
        cls.server = OrthancServer(name="archive").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def store(self, path, flag):
        result = self.server.storescu(path, flag)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        sop = media.dcmdump(path)["0008,0018"]
        instance = self.server.instance_id_of(sop)
        self.assertIsNotNone(instance, f"{sop} not stored")
        return instance

    def check_archived(self, source_path, source_id, expect_audio):
        task = self.server.wait_task(source_id)
        self.assertEqual(task["State"], "done", task)
        derived = task["DerivedInstance"]

        # The job ran in Orthanc's jobs engine and is visible there.
        job = self.server.get(f"/jobs/{task['JobID']}")
        self.assertEqual(job["Type"], "VideoArchiveTranscode")
        self.assertEqual(job["State"], "Success")
        self.assertEqual(job["Progress"], 100)

        work = tempfile.mkdtemp(dir=self.tmp)
        dcm = os.path.join(work, "derived.dcm")
        status, _, body = self.server.get(f"/instances/{derived}/file", raw=True)
        with open(dcm, "wb") as f:
            f.write(body)
        src = media.dcmdump(source_path)
        d = media.dcmdump(dcm)
        self.assertEqual(d["0002,0010"], HEVC_MAIN)
        self.assertEqual(d["0008,0016"], src["0008,0016"])          # same SOP class
        self.assertEqual(d["0010,0020"], src["0010,0020"])          # same patient
        self.assertEqual(d["0020,000d"], src["0020,000d"])          # same study
        self.assertNotEqual(d["0020,000e"], src["0020,000e"])       # new series
        self.assertNotEqual(d["0008,0018"], src["0008,0018"])       # new SOP instance
        self.assertEqual(d["0008,103e"], "Archival HEVC copy")
        self.assertEqual(int(d["0020,0011"]), int(src["0020,0011"]) + 1000)  # SeriesNumberOffset default
        self.assertEqual(d["0028,0004"], "YBR_PARTIAL_420")
        self.assertEqual((d["0028,0100"], d["0028,0101"], d["0028,0102"]), ("8", "8", "7"))
        self.assertEqual(d["0028,2110"], "01")
        self.assertIn("ISO_23008_2", d["0028,2114"])
        self.assertGreater(float(d["0028,2112"].split("\\")[-1]), 1.0)
        self.assertIn("PSNR-Y", d["0008,2111"])
        self.assertIn("PASSED", d["0008,2111"])
        self.assertEqual(d["0008,1155"], src["0008,0018"])          # Source Image Sequence -> the original

        mp4 = media.extract_bitstream(dcm, os.path.join(work, "derived.mp4"))
        boxes = media.mp4_top_level_boxes(mp4)
        self.assertLess(boxes.index("moov"), boxes.index("mdat"), boxes)
        probe = media.ffprobe(mp4)
        v = media.video_stream(probe)
        self.assertEqual(v["codec_name"], "hevc")
        self.assertEqual(v["profile"], "Main")
        self.assertEqual((int(d["0028,0010"]), int(d["0028,0011"])), (v["height"], v["width"]))
        source_mp4 = media.extract_bitstream(source_path, os.path.join(work, "source.bin"))
        source_v = media.video_stream(media.ffprobe(source_mp4))
        self.assertEqual(int(v["nb_read_frames"]), int(source_v["nb_read_frames"]))
        self.assertEqual(int(d["0028,0008"]), int(v["nb_read_frames"]))
        num, den = map(int, v["avg_frame_rate"].split("/"))
        self.assertAlmostEqual(float(d["0018,1063"]), 1000.0 * den / num, places=2)
        self.assertEqual(int(d["0018,0040"]), round(num / den))
        duration = float(v.get("duration") or probe["format"]["duration"])
        self.assertAlmostEqual(duration, int(v["nb_read_frames"]) * den / num, delta=den / num + 1e-3)
        audio = [s for s in probe["streams"] if s["codec_type"] == "audio"]
        if expect_audio:
            self.assertEqual([a["codec_name"] for a in audio], ["aac"])
        else:
            self.assertEqual(audio, [])

        # Quality figures: Orthanc metadata on the derived instance, our REST route, and the task.
        quality = self.server.get(f"/instances/{derived}/metadata/4601")
        self.assertGreater(quality["PsnrY"], 30)
        self.assertGreater(quality["Ssim"], 0.9)
        self.assertTrue(quality["GatePassed"])
        self.assertTrue(quality["Verified"])
        self.assertEqual(self.server.get(f"/video-archive/instances/{derived}/quality")["PsnrY"], quality["PsnrY"])
        self.assertEqual(self.server.get(f"/video-archive/instances/{source_id}/quality")["DerivedInstance"],
                         derived)
        # The original is kept by default.
        self.assertEqual(self.server.get(f"/instances/{source_id}")["ID"], source_id)

        # DICOMweb: QIDO lists the derived series, WADO-RS returns the instance.
        study, series, sop = d["0020,000d"], d["0020,000e"], d["0008,0018"]
        listed = self.server.get(f"/dicom-web/studies/{study}/series")
        self.assertIn(series, [s["0020000E"]["Value"][0] for s in listed])
        instances = self.server.get(f"/dicom-web/studies/{study}/series/{series}/instances")
        self.assertEqual([i["00080018"]["Value"][0] for i in instances], [sop])
        status, headers, body = self.server.get(
            f"/dicom-web/studies/{study}/series/{series}/instances/{sop}", raw=True,
            headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        self.assertEqual(status, 200)
        self.assertIn(HEVC_MAIN.encode(), body)
        self.assertIn(sop.encode(), body)
        return derived, quality

    def test_system_route_reports_version_configuration_and_capabilities(self):
        system = self.server.get("/video-archive/system")
        self.assertEqual(system["Version"], "0.1.0")
        self.assertEqual(system["Configuration"]["Preset"], "fast")
        self.assertTrue(system["Capabilities"]["x265"]["Main"])
        self.assertTrue(system["Capabilities"]["x265"]["Main10"])
        self.assertTrue(system["Capabilities"]["FFmpeg"]["DecodeMpeg2"])
        syntaxes = {t["UID"]: t for t in system["VideoTransferSyntaxes"]}
        for uid in ["1.2.840.10008.1.2.4.%d" % n for n in range(100, 109)]:
            self.assertTrue(syntaxes[uid]["AcceptedByOrthanc"], uid)

    def test_cstore_mpeg2_is_archived_as_hevc(self):
        source = self.store(self.mpeg2, "-xm")
        self.check_archived(self.mpeg2, source, expect_audio=True)  # AC-3 re-encoded to AAC

    def test_cstore_h264_is_archived_as_hevc_with_its_audio(self):
        source = self.store(self.h264, "-xn")
        self.check_archived(self.h264, source, expect_audio=True)

    def test_hevc_source_is_not_reencoded(self):
        source = self.store(self.hevc, "-x4")
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "skipped")
        self.assertIn("already HEVC", task["Reason"])

    def test_stereoscopic_sources_are_kept_not_transcoded(self):
        """A copy of frame-packed 3D (.105) would not say it is 3D, and one of Stereo High (.106, MVC) would hold one
        eye: both are skipped with the reason, the original kept."""
        packed = os.path.join(self.tmp, "packed.mp4")
        media.run(["ffmpeg", "-v", "error", "-y", "-t", "1", "-i", media.LAPARO_H264, "-filter_complex",
                   "[0:v]scale=640:720[l];[0:v]scale=640:720,hflip[r];[l][r]hstack", "-c:v", "libx264", "-preset",
                   "ultrafast", "-profile:v", "high", "-level:v", "4.2", "-x264-params", "frame-packing=3", "-an",
                   packed])
        packed_dcm = media.dicomize(packed, os.path.join(self.tmp, "packed.dcm"), "--ts", "1.2.840.10008.1.2.4.105")
        task = self.server.wait_task(self.store(packed_dcm, "-x3"))
        self.assertEqual(task["State"], "skipped", task)
        self.assertIn("frame-packed 3D", task["Reason"])
        # No encoder writes MVC: an H.264 High stream whose meta header names Stereo High (same UID length).
        stereo = os.path.join(self.tmp, "stereo-high.dcm")
        data = open(self.h264, "rb").read()
        old_sop = media.dcmdump(self.h264)["0008,0018"].encode()
        with open(stereo, "wb") as f:
            f.write(data.replace(b"1.2.840.10008.1.2.4.102", b"1.2.840.10008.1.2.4.106", 1)
                    .replace(old_sop, old_sop[:-1] + (b"8" if old_sop[-1:] != b"8" else b"7")))
        source = self.store(stereo, "-xo")
        task = self.server.wait_task(source)
        self.assertEqual(task["State"], "skipped", task)
        self.assertIn("Stereo High", task["Reason"])
        self.assertEqual(self.server.get(f"/instances/{source}/metadata/TransferSyntax"), "1.2.840.10008.1.2.4.106")

    def test_rest_upload_is_archived(self):
        answer = self.server.post("/instances", open(self.h264_rest, "rb").read())
        self.check_archived(self.h264_rest, answer["ID"], expect_audio=False)

    def test_stow_rs_upload_is_archived(self):
        boundary = "va-boundary-1234"
        body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").encode() + \
            open(self.h264_stow, "rb").read() + f"\r\n--{boundary}--\r\n".encode()
        answer = self.server.post("/dicom-web/studies", body, headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
            "Accept": "application/dicom+json"})
        self.assertIn("00081199", answer)  # Referenced SOP Sequence: stored
        sop = media.dcmdump(self.h264_stow)["0008,0018"]
        self.check_archived(self.h264_stow, self.server.instance_id_of(sop), expect_audio=False)

    def test_duplicates_record_one_task(self):
        first = self.store(self.hevc, "-x4")
        self.store(self.hevc, "-x4")
        self.server.post("/instances", open(self.hevc, "rb").read())
        tasks = [t for t in self.server.get("/video-archive/tasks?limit=10000") if t["SourceInstance"] == first]
        self.assertEqual(len(tasks), 1)

    def test_task_routes_validate_their_input(self):
        from orthanc_server import HttpError
        with self.assertRaises(HttpError) as e:
            self.server.get("/video-archive/tasks?state=bogus")
        self.assertEqual(e.exception.status, 400)
        with self.assertRaises(HttpError) as e:
            self.server.get("/video-archive/tasks/does-not-exist")
        self.assertEqual(e.exception.status, 404)
        with self.assertRaises(HttpError) as e:
            self.server.post("/video-archive/instances/does-not-exist/archive")
        self.assertEqual(e.exception.status, 404)


if __name__ == "__main__":
    unittest.main()
