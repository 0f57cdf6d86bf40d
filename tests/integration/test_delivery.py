"""Delivery as people and their tools meet it: HTTP Range answers checked with curl, HLS across the instances of a
segmented recording, headless Chromium playing and seeking (single MP4 and HLS, H.264 rendition of an HEVC
archive), real thumbnails through our routes and Orthanc's /preview, DICOMweb through dicomweb-client, and a DCMTK
getscu that accepts only H.264 receiving H.264."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import browser
import media
from orthanc_server import AET, DICOM_PORT, HTTP_PORT, OrthancServer

BASE = f"http://127.0.0.1:{HTTP_PORT}"
STUDY = "1.2.826.0.1.3680043.8.498.77001"
SERIES = "1.2.826.0.1.3680043.8.498.77001.1"


def synthetic(out, seconds, codec="libx264", extra=()):
    """A numbered test pattern with a tone: every frame differs, keyframes every 2 s."""
    media.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
               "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", codec, "-g", "50",
               "-keyint_min", "50", "-pix_fmt", "yuv420p", *extra, "-c:a", "aac", "-shortest",
               "-movflags", "+faststart", out])
    return out


def curl(url, *args):
    """(status, headers dict with lower-case names, body bytes) of one GET with curl."""
    with tempfile.NamedTemporaryFile() as body, tempfile.NamedTemporaryFile(mode="r") as head:
        subprocess.run(["curl", "-s", "-o", body.name, "-D", head.name, *args, url], check=True, timeout=120)
        lines = open(head.name).read().splitlines()
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        return status, headers, open(body.name, "rb").read()


class DeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-delivery-")
        t = cls.tmp
        # A recording in two segments (instances 1 and 2 of one series), and an HEVC archive copy of 12 s.
        cls.part1 = synthetic(os.path.join(t, "part1.mp4"), 10)
        cls.part2 = synthetic(os.path.join(t, "part2.mp4"), 8)
        cls.hevc = synthetic(os.path.join(t, "hevc.mp4"), 12, "libx265",
                             ["-x265-params", "log-level=error:keyint=50:min-keyint=50", "-tag:v", "hvc1"])
        cls.server = OrthancServer({"AutoArchive": False, "Delivery": {"MaxAnswerMegabytes": 1}},
                                   name="delivery").start()
        s = cls.server
        cls.ids = {}
        for name, src, extra in (
                ("part1", cls.part1, ["--instance-number", "1"]),
                ("part2", cls.part2, ["--instance-number", "2"]),
                ("hevc", cls.hevc, ["--series-uid", SERIES + ".2"])):
            dcm = os.path.join(t, name + ".dcm")
            args = ["--study-uid", STUDY, *extra]
            if "--series-uid" not in extra:
                args += ["--series-uid", SERIES]
            media.dicomize(src, dcm, *args)
            cls.ids[name] = s.post("/instances", open(dcm, "rb").read())["ID"]
        cls.series_id = s.get(f"/instances/{cls.ids['part1']}/series")["ID"]
        cls.tags = {k: s.get(f"/instances/{v}/simplified-tags") for k, v in cls.ids.items()}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def url(self, path):
        return BASE + path

    def wait_rendition(self, instance_id, timeout=300):
        answer = self.server.post(f"/video-archive/instances/{instance_id}/renditions")
        deadline = time.time() + timeout
        while answer["H264"]["State"] != "ready":
            self.assertIn(answer["H264"]["State"], ("running", "ready"), answer)
            self.assertLess(time.time(), deadline, answer)
            time.sleep(0.5)
            answer = self.server.get(f"/video-archive/instances/{instance_id}/renditions")
        return answer

    # -- 1. MP4 with HTTP Range ----------------------------------------------------------------------------------
    def test_range_cases_with_curl(self):
        original = open(self.part1, "rb").read()
        url = self.url(f"/video-archive/instances/{self.ids['part1']}/video.mp4")
        size = len(original) + (len(original) % 2)  # DICOM fragments are even: one pad byte at most
        status, h, body = curl(url, "-r", "0-99")
        self.assertEqual(status, 206)
        self.assertEqual(h["content-range"], f"bytes 0-99/{size}")
        self.assertEqual(h["content-type"], "video/mp4")
        self.assertEqual(h["accept-ranges"], "bytes")
        self.assertEqual(body, original[:100])
        etag = h["etag"]
        self.assertTrue(etag.startswith('"'), etag)

        status, h, body = curl(url, "-r", "1000-")  # open range: to the end or the 1 MiB cap
        self.assertEqual(status, 206)
        self.assertEqual(body, original[1000:1000 + len(body)])
        self.assertEqual(h["content-range"], f"bytes 1000-{1000 + len(body) - 1}/{size}")

        status, h, body = curl(url, "-r", "-200")  # suffix range
        self.assertEqual(status, 206)
        self.assertEqual(h["content-range"], f"bytes {size - 200}-{size - 1}/{size}")
        self.assertEqual(body[:len(original) - (size - 200)], original[size - 200:])

        status, h, _ = curl(url, "-r", f"{size}-")
        self.assertEqual(status, 416)
        self.assertEqual(h["content-range"], f"bytes */{size}")

        status, _, body = curl(url, "-r", "10-19", "-H", f"If-Range: {etag}")
        self.assertEqual((status, body), (206, original[10:20]))
        status, h, body = curl(url, "-r", "10-19", "-H", 'If-Range: "stale"')
        self.assertIn(status, (200, 400))  # whole answer, or refused as larger than one answer holds
        if size <= 1 << 20:
            self.assertEqual(status, 200)
            self.assertEqual(body[:len(original)], original)

        # A whole-file GET larger than one answer: a 400 that says to use ranges, never a silent truncation.
        hevc_url = self.url(f"/video-archive/instances/{self.ids['hevc']}/video.mp4?rendition=original")
        status, h, body = curl(hevc_url)
        if os.path.getsize(self.hevc) > 1 << 20:
            self.assertEqual(status, 400, body)
            self.assertIn(b"Range", body)
        status, h, body = curl(hevc_url, "-r", "0-")
        self.assertEqual(status, 206)
        self.assertLessEqual(len(body), 1 << 20)

        status, _, body = curl(self.url("/video-archive/instances/not-an-instance/video.mp4"))
        self.assertEqual(status, 404, body)

    def test_hevc_is_delivered_as_h264_rendition_to_browsers(self):
        hevc_id = self.ids["hevc"]
        self.wait_rendition(hevc_id)
        url = self.url(f"/video-archive/instances/{hevc_id}/video.mp4")
        status, h, body = curl(url, "-r", "0-", "-H", "Accept: */*")
        self.assertEqual(status, 206)
        with open(os.path.join(self.tmp, "rendition-head.mp4"), "wb") as f:
            f.write(body)
        status, h2, body2 = curl(url + "?rendition=original", "-r", "0-99")
        self.assertNotEqual(h["etag"], h2["etag"])
        self.assertEqual(body2, open(self.hevc, "rb").read()[:100])
        status, _, _ = curl(url, "-r", "0-99", "-H", 'Accept: video/mp4; codecs="hvc1.1.6.L63.90"')
        self.assertEqual(status, 206)
        status, _, body = curl(url, "-H", "Accept: image/jpeg")
        self.assertEqual(status, 406, body)
        status, _, body = curl(url + "?rendition=vp9")
        self.assertEqual(status, 400, body)

        page = browser.player_url(BASE, url)
        result = browser.play_in_chromium(page, screenshot=os.path.join(self.tmp, "hevc.png"))
        self.assertIn("h264", result["codecsSeen"])
        self.assertGreater(result["afterSeek"], result["seekTarget"])

    # -- 2. HLS across a segmented recording ---------------------------------------------------------------------
    def test_hls_series_is_seamless_and_complete(self):
        playlist = self.server.get(f"/video-archive/series/{self.series_id}/hls.m3u8")
        self.assertTrue(playlist.startswith("#EXTM3U"), playlist)
        self.assertIn("#EXT-X-ENDLIST", playlist)
        uris = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        durations = [float(x) for x in re.findall(r"#EXTINF:([0-9.]+),", playlist)]
        self.assertAlmostEqual(sum(durations), 18.0, delta=0.2)
        self.assertTrue(any(self.ids["part2"] in u for u in uris), uris)
        base = f"{BASE}/video-archive/series/{self.series_id}/"
        joined = os.path.join(self.tmp, "joined.ts")
        with open(joined, "wb") as out:
            for u in uris:
                status, h, body = curl(urllib.parse.urljoin(base, u))
                self.assertEqual(status, 200, body[:300])
                self.assertEqual(h["content-type"], "video/mp2t")
                out.write(body)
        probe = media.ffprobe(joined)
        video = media.video_stream(probe)
        self.assertEqual(int(video["nb_read_frames"]), 18 * 25)  # every frame once, none dropped or repeated
        self.assertAlmostEqual(float(probe["format"]["duration"]), 18.0, delta=0.3)

        page = browser.player_url(BASE, f"{BASE}/video-archive/series/{self.series_id}/hls.m3u8")
        result = browser.play_in_chromium(page, screenshot=os.path.join(self.tmp, "hls.png"))
        self.assertAlmostEqual(result["duration"], 18.0, delta=0.5)
        self.assertGreater(result["seekTarget"], 10)  # 80 % lies in the second instance
        self.assertGreater(result["afterSeek"], result["seekTarget"])

    def test_single_mp4_plays_and_seeks_in_chromium(self):
        url = self.url(f"/video-archive/instances/{self.ids['part1']}/video.mp4")
        result = browser.play_in_chromium(browser.player_url(BASE, url))
        self.assertAlmostEqual(result["duration"], 10.0, delta=0.3)
        self.assertEqual((result["videoWidth"], result["videoHeight"]), (320, 240))
        self.assertGreater(result["afterSeek"], result["seekTarget"])

    # -- 4. frames and thumbnails ----------------------------------------------------------------------------------
    def test_thumbnails_sprites_and_preview_are_real_pictures(self):
        vid = self.ids["part1"]
        status, h, jpeg = curl(self.url(f"/video-archive/instances/{vid}/thumbnail?t=5&width=160"))
        self.assertEqual(status, 200, jpeg[:300])
        self.assertEqual(h["content-type"], "image/jpeg")
        self.assertEqual(jpeg[:2], b"\xff\xd8")
        path = os.path.join(self.tmp, "thumb.jpg")
        open(path, "wb").write(jpeg)
        stream = media.video_stream(media.ffprobe(path))
        self.assertEqual((stream["width"], stream["height"]), (160, 120))
        # Two times give two different pictures (testsrc2 moves and counts).
        _, _, other = curl(self.url(f"/video-archive/instances/{vid}/thumbnail?t=8&width=160"))
        self.assertNotEqual(jpeg, other)

        status, h, vtt = curl(self.url(f"/video-archive/instances/{vid}/sprite.vtt?tiles=10&width=80"))
        self.assertEqual((status, h["content-type"]), (200, "text/vtt"))
        cues = re.findall(rb"#xywh=(\d+),(\d+),(\d+),(\d+)", vtt)
        self.assertEqual(len(cues), 10)
        status, h, sprite = curl(self.url(f"/video-archive/instances/{vid}/sprite.jpg?tiles=10&width=80"))
        self.assertEqual((status, h["content-type"]), (200, "image/jpeg"))

        # Orthanc's own /preview goes through our decode-image callback: the video's picture, not an icon.
        status, h, png = curl(self.url(f"/instances/{vid}/frames/100/preview"))
        self.assertEqual(status, 200, png[:300])
        path = os.path.join(self.tmp, "preview.png")
        open(path, "wb").write(png)
        stream = media.video_stream(media.ffprobe(path))
        self.assertEqual((stream["width"], stream["height"]), (320, 240))
        _, _, first = curl(self.url(f"/instances/{vid}/preview"))
        self.assertNotEqual(first, png)

    # -- 5. DICOMweb -------------------------------------------------------------------------------------------
    def test_dicomweb_client_gets_video_thumbnail_instance_and_metadata(self):
        root = BASE + "/video-archive/dicom-web"
        tags = self.tags["hevc"]
        study, series, sop = tags["StudyInstanceUID"], tags["SeriesInstanceUID"], tags["SOPInstanceUID"]
        self.wait_rendition(self.ids["hevc"])
        out = os.path.join(self.tmp, "rendered.mp4")
        result = browser.dicomweb_retrieve(root, study, series, sop, "rendered-video", out)
        self.assertTrue(result["contentType"].startswith("video/mp4"), result)
        self.assertEqual(media.video_stream(media.ffprobe(out))["codec_name"], "h264")
        out = os.path.join(self.tmp, "thumb-dw.jpg")
        result = browser.dicomweb_retrieve(root, study, series, sop, "thumbnail", out)
        self.assertTrue(result["contentType"].startswith("image/jpeg"), result)
        out = os.path.join(self.tmp, "instance-dw.dcm")
        result = browser.dicomweb_retrieve(root, study, series, sop, "instance", out)
        self.assertEqual(media.dcmdump(out)["0002,0010"], "1.2.840.10008.1.2.4.107")
        out = os.path.join(self.tmp, "metadata.json")
        browser.dicomweb_retrieve(root, study, series, sop, "metadata", out)
        meta = json.load(open(out))
        self.assertEqual(meta[0]["00080018"]["Value"][0], sop)
        # What video viewers look for: Pixel Data with a BulkDataURI on this root, and the transfer syntax.
        self.assertEqual(meta[0]["00083002"]["Value"][0], "1.2.840.10008.1.2.4.107")
        bulk = meta[0]["7FE00010"]["BulkDataURI"]
        self.assertTrue(bulk.startswith(root + "/studies/"), bulk)
        status, h, body = curl(bulk, "-r", "0-99", "-H", "Accept: video/H265")
        self.assertEqual((status, h["content-type"]), (206, "video/H265"))
        self.assertEqual(body, open(self.hevc, "rb").read()[:100])
        # The DICOMweb plugin's own rendered frame of a video goes through our decode-image callback.
        t1 = self.tags["part1"]
        status, h, jpeg = curl(f"{BASE}/dicom-web/studies/{t1['StudyInstanceUID']}/series/{t1['SeriesInstanceUID']}"
                               f"/instances/{t1['SOPInstanceUID']}/frames/1/rendered")
        self.assertEqual((status, h["content-type"], jpeg[:2]), (200, "image/jpeg", b"\xff\xd8"))
        # QIDO through our root (forwarded to the DICOMweb plugin).
        found = json.loads(curl(root + f"/studies?StudyInstanceUID={study}",
                                "-H", "Accept: application/dicom+json")[2])
        self.assertEqual(found[0]["0020000D"]["Value"][0], study)

    def test_wado_rs_transfer_syntax_parameter(self):
        tags = self.tags["hevc"]
        base = (f"{BASE}/video-archive/dicom-web/studies/{tags['StudyInstanceUID']}/series/"
                f"{tags['SeriesInstanceUID']}/instances/{tags['SOPInstanceUID']}")
        self.wait_rendition(self.ids["hevc"])
        status, h, body = curl(base, "-H",
                               'Accept: multipart/related; type="application/dicom"; '
                               "transfer-syntax=1.2.840.10008.1.2.4.102")
        self.assertEqual(status, 200, body[:300])
        self.assertIn(b"transfer-syntax=1.2.840.10008.1.2.4.10", body[:400])
        status, _, body = curl(base, "-H",
                               'Accept: multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1')
        self.assertEqual(status, 406, body[:300])
        self.assertIn(b"1.2.840.10008.1.2.4.107", body)

    # -- 6. transcode on retrieve -----------------------------------------------------------------------------
    def test_legacy_receiver_accepting_only_h264_receives_h264(self):
        """The receiver is DCMTK's storescp with a negotiation profile that accepts the video classes in H.264 only.
        Orthanc 1.10.1's own C-STORE offers only the stored and uncompressed syntaxes (refused); our store route
        offers H.264 too and sends the H.264 version of the same instance."""
        tags = self.tags["hevc"]
        out = os.path.join(self.tmp, "legacy")
        os.makedirs(out, exist_ok=True)
        cfg = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config", "storescp-h264-only.cfg")
        scp = subprocess.Popen(["storescp", "-aet", "LEGACY", "-xf", cfg, "H264Only", "-od", out, "11113"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.5)
            self.server.request("PUT", "/modalities/LEGACY", json.dumps(
                {"AET": "LEGACY", "Host": "127.0.0.1", "Port": 11113}).encode())
            with self.assertRaises(Exception):
                self.server.post("/modalities/LEGACY/store", {"Resources": [self.ids["hevc"]], "Synchronous": True})
            report = self.server.post("/video-archive/modalities/LEGACY/store", {"Resources": [self.ids["hevc"]]})
            self.assertEqual(report["Instances"][0]["TransferSyntax"], "1.2.840.10008.1.2.4.104", report)
            self.assertTrue(report["Instances"][0]["Transcoded"])
            # An H.264 original goes as it is.
            report = self.server.post("/video-archive/modalities/LEGACY/store", {"Resources": [self.ids["part2"]]})
            self.assertFalse(report["Instances"][0]["Transcoded"], report)
            with self.assertRaises(Exception) as refused:
                self.server.post("/video-archive/modalities/NOWHERE/store", {"Resources": [self.ids["hevc"]]})
            self.assertEqual(refused.exception.status, 404)
        finally:
            scp.terminate()
            scp.wait(timeout=10)
        files = sorted(os.listdir(out))
        self.assertEqual(len(files), 2, files)
        received = [os.path.join(out, f) for f in files]
        by_sop = {media.dcmdump(f)["0008,0018"]: f for f in received}
        hevc_copy = by_sop[tags["SOPInstanceUID"]]  # the same instance, in another syntax
        self.assertEqual(media.dcmdump(hevc_copy)["0002,0010"], "1.2.840.10008.1.2.4.104")
        stream = media.extract_bitstream(hevc_copy, os.path.join(self.tmp, "received.mp4"))
        self.assertEqual(media.video_stream(media.ffprobe(stream))["codec_name"], "h264")

    def test_dicomweb_plugin_transcodes_video_through_our_callback(self):
        tags = self.tags["hevc"]
        url = (f"{BASE}/dicom-web/studies/{tags['StudyInstanceUID']}/series/{tags['SeriesInstanceUID']}/instances/"
               f"{tags['SOPInstanceUID']}")
        status, h, body = curl(url, "-H", 'Accept: multipart/related; type="application/dicom"; '
                                          "transfer-syntax=1.2.840.10008.1.2.4.102")
        self.assertEqual(status, 200, body[:500])
        self.assertIn(b"1.2.840.10008.1.2.4.102", body)


if __name__ == "__main__":
    unittest.main()
