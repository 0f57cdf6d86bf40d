"""From file to DICOM: long recordings split into segments, transcoded inputs, stereo and 8K policies."""
import os
import unittest

import pydicom

import media
from orthanc_server import OrthancServer
from uploads import raw_upload, record, sha256_file, wait_upload


def synthetic(out, *args):
    media.run(["ffmpeg", "-v", "error", "-y", *args, out])
    return out


class UploadFormats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Short segments so that a 40 s recording is "long"; ultrafast keeps CI quick.
        cls.orthanc = OrthancServer({"Preset": "ultrafast", "AutoArchive": False,
                                     "Uploads": {"SegmentMaxMinutes": 0.25, "KeepOriginals": True}}, name="formats").start()

    @classmethod
    def tearDownClass(cls):
        cls.orthanc.stop()

    def ingest(self, path, **rec):
        u = wait_upload(self.orthanc, raw_upload(self.orthanc, path, record(**rec)))
        self.assertEqual(u["State"], "Done", u)
        return u

    def fetch(self, instance_id, name):
        path = os.path.join(self.orthanc.dir, name)
        with open(path, "wb") as f:
            f.write(self.orthanc.request("GET", f"/instances/{instance_id}/file", raw=True)[2])
        return pydicom.dcmread(path), path

    def test_a_long_recording_is_split_into_playable_segments_without_losing_a_frame(self):
        src = synthetic(os.path.join(self.orthanc.dir, "long.mp4"),
                        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                        "sine=frequency=440:sample_rate=48000", "-t", "40", "-c:v", "libx264", "-preset", "ultrafast",
                        "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac",
                        "-shortest")
        source = media.ffprobe(src)
        source_frames = int(media.video_stream(source)["nb_read_frames"])
        u = self.ingest(src)
        series = u["Result"]["Series"]
        self.assertEqual(len(series), 1)
        instances = series[0]["Instances"]
        self.assertGreaterEqual(len(instances), 3)
        total_frames, total_duration, previous_end = 0, 0.0, 0.0
        for n, item in enumerate(instances, start=1):
            ds, path = self.fetch(item["ID"], f"segment-{n}.dcm")
            self.assertEqual(int(ds.InstanceNumber), n)
            self.assertEqual(ds.SeriesInstanceUID, series[0]["SeriesInstanceUID"])
            self.assertLessEqual(item["DurationSeconds"], 15.0 + 1e-6)
            self.assertAlmostEqual(item["StartSeconds"], previous_end, places=2)  # end to end, no gap, no overlap
            previous_end = item["StartSeconds"] + item["DurationSeconds"]
            mp4 = media.extract_bitstream(path, path + ".mp4")
            probe = media.ffprobe(mp4)  # decodes every frame on its own
            frames = int(media.video_stream(probe)["nb_read_frames"])
            self.assertEqual(frames, int(ds.NumberOfFrames))
            audio = [s for s in probe["streams"] if s["codec_type"] == "audio"]
            self.assertEqual(len(audio), 1, "each segment carries its audio")
            self.assertAlmostEqual(float(audio[0]["duration"]), item["DurationSeconds"], delta=0.1)
            total_frames += frames
            total_duration += item["DurationSeconds"]
            # Content time = recording start + where the segment starts.
            start = 8 * 3600 + 15 * 60 + item["StartSeconds"]
            self.assertEqual(ds.ContentTime[:6], "%02d%02d%02d" % (start // 3600, start % 3600 // 60, start % 60))
        self.assertEqual(total_frames, source_frames)
        self.assertAlmostEqual(total_duration, source_frames / 25.0, delta=0.04)

    def test_mpeg2_program_stream_is_transcoded_to_hevc_with_its_audio(self):
        u = self.ingest(media.NEURO_MPEG2, videoKind="microscopic")
        s = u["Result"]["Series"][0]
        self.assertEqual(s["Path"], "transcoded")
        ds, path = self.fetch(s["Instances"][0]["ID"], "mpeg2.dcm")
        self.assertEqual(ds.file_meta.TransferSyntaxUID, "1.2.840.10008.1.2.4.107")
        self.assertEqual(ds.SOPClassUID, "1.2.840.10008.5.1.4.1.1.77.1.2.1")  # Video Microscopic
        self.assertEqual(ds.Modality, "GM")
        probe = media.ffprobe(media.extract_bitstream(path, path + ".mp4"))
        self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "hevc"])

    def test_side_by_side_stereo_becomes_two_linked_series(self):
        src = synthetic(os.path.join(self.orthanc.dir, "sbs.mp4"),
                        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                        "smptebars=size=640x360:rate=25", "-filter_complex", "[0:v][1:v]hstack", "-t", "2",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
        u = self.ingest(src, stereo="side-by-side")
        series = u["Result"]["Series"]
        self.assertEqual([s["View"] for s in series], ["left", "right"])
        left, _ = self.fetch(series[0]["Instances"][0]["ID"], "left.dcm")
        right, _ = self.fetch(series[1]["Instances"][0]["ID"], "right.dcm")
        self.assertEqual((left.Columns, left.Rows), (640, 360))
        self.assertEqual((right.Columns, right.Rows), (640, 360))
        self.assertNotEqual(left.SeriesInstanceUID, right.SeriesInstanceUID)
        self.assertEqual(left.StudyInstanceUID, right.StudyInstanceUID)
        self.assertEqual(left.ReferencedImageSequence[0].ReferencedSOPInstanceUID, right.SOPInstanceUID)
        self.assertEqual(right.ReferencedImageSequence[0].ReferencedSOPInstanceUID, left.SOPInstanceUID)
        self.assertIn("left eye", left.ImageComments)

    def test_8k_422_12bit_is_archived_as_4k_420_main10(self):
        src = synthetic(os.path.join(self.orthanc.dir, "8k.mkv"),
                        "-f", "lavfi", "-i", "testsrc2=size=7680x4320:rate=5", "-t", "1", "-c:v", "libx265",
                        "-preset", "ultrafast", "-pix_fmt", "yuv422p12le", "-x265-params", "log-level=error")
        u = self.ingest(src)
        s = u["Result"]["Series"][0]
        self.assertEqual(s["Path"], "transcoded")
        self.assertTrue(any("Level 5.1" in note for note in u["Result"]["Policy"]), u["Result"])
        ds, path = self.fetch(s["Instances"][0]["ID"], "8k.dcm")
        self.assertEqual(ds.file_meta.TransferSyntaxUID, "1.2.840.10008.1.2.4.108")
        self.assertEqual((ds.Columns, ds.Rows), (3840, 2160))
        self.assertEqual((ds.BitsAllocated, ds.BitsStored), (16, 10))
        probe = media.ffprobe(media.extract_bitstream(path, path + ".mp4"))
        video = media.video_stream(probe)
        self.assertEqual(video["pix_fmt"], "yuv420p10le")
        self.assertLessEqual(int(video["level"]), 153)
        # KeepOriginals: the untouched 8K 4:2:2 12-bit file is kept, byte for byte.
        original = u["Result"]["Original"]
        self.assertEqual(original["SHA256"], sha256_file(src))
        self.assertEqual(sha256_file(original["Path"]), sha256_file(src))


if __name__ == "__main__":
    unittest.main()
