"""Archive storage (issue 5) against a real Orthanc, a real single-node Ceph (S3 through radosgw) and a real
PostgreSQL catalog: encryption at rest, placement by policy and jurisdiction, cold range reads, fixity scrubbing
and repair, key rotation, WORM and legal holds, retention recomputed by a new visit, disposition, the S3 service
going down, kill -9 in the middle of a migration, and a full disk."""
import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import media
from orthanc_server import AET, DICOM_PORT, HttpError, OrthancServer
from services import Ceph, Postgres

KLINIKUM = "KLINIKUM NORD"  # mapped to an organisation whose data may stay only in Germany


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def dicom(tmp, name, clip=media.NEURO_H264, patient="PAT-1", institution=KLINIKUM, study_date=None):
    path = media.dicomize(clip, os.path.join(tmp, name), "--patient-id", patient)
    tags = ["-i", f"(0008,0080)={institution}"]
    if study_date:
        tags += ["-i", f"(0008,0020)={study_date}"]
    media.run(["dcmodify", "-nb", *tags, path])
    return path


def tier_files(root):
    return [f for f in glob.glob(os.path.join(root, "**", "*"), recursive=True) if os.path.isfile(f)]


class StorageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-storage-")
        cls.ceph = Ceph().start()
        cls.pg = Postgres().start()
        cls.hot = os.path.join(cls.tmp, "hot")
        cls.key_file = os.path.join(cls.tmp, "master.keys")
        with open(cls.key_file, "w") as f:
            f.write("k1 " + "11" * 32 + "\n")
        os.chmod(cls.key_file, 0o600)
        storage = {
            "Tiers": [
                {"Name": "hot", "Kind": "Folder", "Path": cls.hot, "Country": "DE"},
                cls.ceph.tier("ceph-de", "va-de", "DE"),
                cls.ceph.tier("s3-us", "va-us", "US", object_lock=False),
            ],
            "Catalog": {"Engine": "PostgreSQL", "ConnectionString": cls.pg.conninfo},
            "KeyFile": cls.key_file,
            "ChunkKilobytes": 64,
            "Worm": True,
            "Organisations": {"Klinikum Nord": {"InstitutionNames": [KLINIKUM], "Countries": ["DE"]}},
            "DefaultOrganisation": "Elsewhere",
            "Policies": [
                # Jurisdiction: the US tier comes first but Klinikum Nord's data may only stay in Germany.
                {"Name": "cold originals", "CopyKind": "original", "Organisations": ["Klinikum Nord"],
                 "Tiers": ["s3-us", "ceph-de"], "Copies": 1},
                {"Name": "two copies", "Organisations": ["Elsewhere"], "Tiers": ["hot", "s3-us"], "Copies": 2},
            ],
            "Retention": [{"YearsAfterLastVisit": 20}],
            "MigrationIntervalSeconds": 3600,
            "ScrubIntervalSeconds": 3600,
            "ScrubEveryDays": 0,
            "RetryBaseSeconds": 1,
            "RetryMaxSeconds": 2,
        }
        # No Orthanc storage cache: every read below must reach the archive's tiers.
        cls.server = OrthancServer({"AutoArchive": False, "Storage": storage}, name="storage",
                                   orthanc={"MaximumStorageCacheSize": 0}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.pg.stop()
        cls.ceph.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- helpers -------------------------------------------------------------------------------------------------
    def post_file(self, path):
        with open(path, "rb") as f:
            return self.server.post("/instances", f.read())["ID"]

    def state(self, instance):
        return self.server.get(f"/video-archive/storage/instances/{instance}")

    def copies(self, instance):
        return sorted((c["Tier"], c["State"]) for c in self.state(instance)["Copies"])

    def run_pass(self, kind, check, timeout=120):
        """POSTs migrate / scrub and waits until check() holds once the pass is over."""
        self.server.post(f"/video-archive/storage/{kind}")
        deadline = time.time() + timeout
        while time.time() < deadline:
            activity = self.server.get("/video-archive/storage/activity")
            if activity["Running"] == "" and check():
                return activity
            time.sleep(0.3)
        self.fail(f"{kind}: condition not reached: {self.server.get('/video-archive/storage/activity')}\n"
                  f"{self.server.log_tail()}")

    def file_of(self, instance):
        return self.server.get(f"/instances/{instance}/file", raw=True)[2]

    # -- tests (run in name order; later ones use what earlier ones stored) --------------------------------------
    def test_1_ingest_is_encrypted_hashed_and_catalogued(self):
        path = dicom(self.tmp, "a.dcm", study_date="20260101")
        original = open(path, "rb").read()
        instance = self.post_file(path)
        state = self.state(instance)
        self.assertEqual(state["SHA256"], sha256(original))
        self.assertEqual(state["Size"], len(original))
        self.assertEqual(state["KeyID"], "k1")
        self.assertEqual(state["Organisation"], "Klinikum Nord")
        self.assertEqual(state["CopyKind"], "original")
        self.assertTrue(state["RetainUntil"].startswith("2046-01-01"), state["RetainUntil"])
        self.assertEqual(self.copies(instance), [("hot", "verified")])
        # Nothing readable on disk: no DICOM preamble, no patient ID, no bitstream bytes.
        stored = b"".join(open(f, "rb").read() for f in tier_files(self.hot))
        self.assertGreater(len(stored), len(original))
        for needle in (b"DICM", b"PAT-1", original[4096:4160]):
            self.assertNotIn(needle, stored)
        self.assertEqual(self.file_of(instance), original)

    def test_2_migration_places_by_policy_within_the_jurisdiction(self):
        path = dicom(self.tmp, "b.dcm", patient="PAT-2", study_date="20260102")
        original = open(path, "rb").read()
        instance = self.post_file(path)
        uuid = self.state(instance)["ID"]
        plan = {m["Object"]: m for m in self.server.get("/video-archive/storage/plan")}
        self.assertEqual(plan[uuid]["To"], ["ceph-de"], plan[uuid])
        self.assertIn("s3-us", plan[uuid].get("Note", ""))
        self.run_pass("migrate", lambda: self.copies(instance) == [("ceph-de", "verified")])
        self.assertFalse(any(uuid in f for f in tier_files(self.hot)), "the hot copy was freed")
        # A cold read: served from Ceph chunk by chunk, byte-exact.
        self.assertEqual(self.file_of(instance), original)
        # Ranged reads of the video across the 64 KiB chunk boundaries, through delivery.
        mp4 = media.extract_bitstream(path, os.path.join(self.tmp, "b.mp4"))
        expected = open(mp4, "rb").read()
        for first, last in ((0, 99), (65530, 65545), (131000, 200000), (len(expected) - 10, len(expected) - 1)):
            status, headers, body = self.server.request(
                "GET", f"/video-archive/instances/{instance}/video.mp4?rendition=original",
                headers={"Range": f"bytes={first}-{last}"}, raw=True)
            self.assertEqual(status, 206)
            self.assertEqual(body, expected[first:last + 1], (first, last))
        StorageTest.cold_instance, StorageTest.cold_original = instance, original
        events = [e["Kind"] for e in self.state(instance)["Events"]]
        self.assertIn("copied", events)
        self.assertIn("freed", events)

    def test_3_scrub_detects_and_repairs_a_corrupted_copy(self):
        path = dicom(self.tmp, "c.dcm", patient="PAT-3", institution="ELSEWHERE HOSPITAL")
        original = open(path, "rb").read()
        instance = self.post_file(path)
        self.run_pass("migrate", lambda: self.copies(instance) == [("hot", "verified"), ("s3-us", "verified")])
        uuid = self.state(instance)["ID"]
        [stored] = [f for f in tier_files(self.hot) if os.path.basename(f).startswith(uuid)]
        good = open(stored, "rb").read()
        with open(stored, "r+b") as f:  # one flipped byte in the middle of the stored copy
            f.seek(len(good) // 2)
            f.write(bytes([good[len(good) // 2] ^ 0x5A]))
        # Reads still give the right bytes: the damaged chunk fails authentication, the US copy answers.
        self.assertEqual(self.file_of(instance), original)
        self.run_pass("scrub", lambda: open(stored, "rb").read() == good)
        activity = self.server.get("/video-archive/storage/activity")
        self.assertGreaterEqual(activity["Totals"]["Mismatches"], 1, activity)
        self.assertGreaterEqual(activity["Totals"]["Repaired"], 1, activity)
        kinds = [e["Kind"] for e in self.state(instance)["Events"]]
        self.assertIn("fixity-mismatch", kinds)
        self.assertIn("repaired", kinds)
        metrics = self.server.get("/tools/metrics-prometheus")
        self.assertRegex(metrics, r"video_archive_fixity_mismatches [1-9]")
        self.assertRegex(metrics, r"video_archive_tier_ceph_de_bytes [1-9]")

    def test_4_key_rotation_rewraps_without_rewriting_data(self):
        before = {f: sha256(open(f, "rb").read()) for f in tier_files(self.hot)}
        with open(self.key_file, "a") as f:
            f.write("k2 " + "22" * 32 + "\n")
        answer = self.server.post("/video-archive/storage/keys/rotate")
        self.assertEqual(answer["CurrentKeyID"], "k2")
        self.run_pass("migrate", lambda: self.state(self.cold_instance)["KeyID"] == "k2")
        self.assertEqual(self.file_of(self.cold_instance), self.cold_original)
        self.assertEqual({f: sha256(open(f, "rb").read()) for f in tier_files(self.hot)}, before)
        # New objects use the new key.
        instance = self.post_file(dicom(self.tmp, "d.dcm", patient="PAT-4"))
        self.assertEqual(self.state(instance)["KeyID"], "k2")

    def assert_refused(self, method, path, body=None):
        with self.assertRaises(HttpError, msg=f"{method} {path}") as caught:
            self.server.request(method, path, body=body)
        self.assertIn(caught.exception.status, (403, 404, 405), f"{method} {path}")

    def test_5_worm_refuses_every_delete_route(self):
        instance = self.cold_instance
        info = self.server.get(f"/instances/{instance}")
        series = info["ParentSeries"]
        study = self.server.get(f"/series/{series}")["ParentStudy"]
        patient = self.server.get(f"/studies/{study}")["ParentPatient"]
        study_uid = self.server.get(f"/studies/{study}")["MainDicomTags"]["StudyInstanceUID"]
        for path in (f"/instances/{instance}", f"/series/{series}", f"/studies/{study}", f"/patients/{patient}"):
            with self.assertRaises(HttpError) as caught:
                self.server.request("DELETE", path)
            self.assertEqual(caught.exception.status, 403, path)
        self.assert_refused("POST", "/tools/bulk-delete", b'{"Resources": ["%s"]}' % study.encode())
        self.assert_refused("DELETE", f"/dicom-web/studies/{study_uid}")
        self.assert_refused("DELETE", f"/video-archive/dicom-web/studies/{study_uid}")
        self.assertEqual(self.file_of(instance), self.cold_original)
        self.assertIn("retained until", self.server.log_tail(400))
        state = self.server.get(f"/video-archive/storage/studies/{study}")
        self.assertTrue(state["RetainUntil"].startswith("2046"), state)

    def test_6_holds_retention_by_last_visit_and_disposition(self):
        old_a = self.post_file(dicom(self.tmp, "old-a.dcm", patient="PAT-OLD", study_date="19900101"))
        old_b = self.post_file(dicom(self.tmp, "old-b.dcm", patient="PAT-OLD", study_date="19910101"))
        gone = self.post_file(dicom(self.tmp, "gone.dcm", patient="PAT-GONE", study_date="19900101"))
        study_a = self.server.get(f"/instances/{old_a}/study")["ID"]
        hold = self.server.post("/video-archive/storage/holds", {"Level": "study", "Resource": study_a,
                                                                 "Reason": "litigation 2026-17", "Author": "legal"})
        self.assertTrue(hold["Active"])
        with self.assertRaises(HttpError) as caught:  # retention over, but held
            self.server.request("DELETE", f"/instances/{old_a}")
        self.assertEqual(caught.exception.status, 403)

        def listed(dry):
            return {i["Instance"] for i in dry["Instances"]}

        dry = self.server.post("/video-archive/storage/disposition",
                               {"DryRun": True, "Author": "records", "Reason": "review"})
        self.assertNotIn(old_a, listed(dry))
        self.assertIn(old_b, listed(dry))
        self.assertIn(gone, listed(dry))
        # A new visit of PAT-OLD: everything of that patient is kept 20 more years.
        self.post_file(dicom(self.tmp, "new.dcm", patient="PAT-OLD", study_date=time.strftime("%Y%m%d")))
        self.assertTrue(self.state(old_b)["RetainUntil"] > "2045", self.state(old_b))
        dry = self.server.post("/video-archive/storage/disposition",
                               {"DryRun": True, "Author": "records", "Reason": "review"})
        self.assertNotIn(old_b, listed(dry))
        self.assertIn(gone, listed(dry))
        done = self.server.post("/video-archive/storage/disposition",
                                {"DryRun": False, "Author": "records office", "Reason": "annual review"})
        self.assertIn(gone, listed(done))
        self.assertEqual(done["Errors"], [])
        with self.assertRaises(HttpError):
            self.server.get(f"/instances/{gone}")
        released = self.server.post(f"/video-archive/storage/holds/{hold['ID']}/release",
                                    {"Reason": "case closed", "Author": "legal"})
        self.assertFalse(released["Active"])

    def test_7_s3_down_ingest_continues_cold_reads_503_migration_retries(self):
        self.ceph.stop_s3()
        try:
            with self.assertRaises(HttpError) as caught:
                self.file_of(self.cold_instance)
            self.assertEqual(caught.exception.status, 503, caught.exception.body)
            with self.assertRaises(HttpError) as caught:
                self.server.request("GET", f"/video-archive/instances/{self.cold_instance}/video.mp4",
                                    headers={"Range": "bytes=1000-2000"})
            self.assertEqual(caught.exception.status, 503, caught.exception.body)
            path = dicom(self.tmp, "e.dcm", patient="PAT-5")
            instance = self.post_file(path)  # the hot tier takes it
            self.assertEqual(self.copies(instance), [("hot", "verified")])
            self.server.post("/video-archive/storage/migrate")
            time.sleep(1)
            self.run_pass("migrate", lambda: any(c.get("Failures", 0) > 0 for c in self.state(instance)["Copies"])
                          or self.server.get("/video-archive/storage/activity")["Totals"]["CopyFailures"] > 0)
            self.assertEqual(self.file_of(instance), open(path, "rb").read())
        finally:
            self.ceph.start_s3()
        time.sleep(2.5)  # past the back-off
        self.run_pass("migrate", lambda: self.copies(instance) == [("ceph-de", "verified")], timeout=180)
        self.assertEqual(self.file_of(self.cold_instance), self.cold_original)

    def test_8_capacity_planner_reproduces_the_seed_model(self):
        plan = self.server.get("/video-archive/storage/capacity?retentionYears=20&years=25&copies=1")
        self.assertAlmostEqual(plan["BytesPerHospitalPerDay"] / 1e9, 190, delta=2)
        self.assertAlmostEqual(plan["BytesPerHospitalYear"] / 1e12, 69.4, delta=1)
        self.assertAlmostEqual(plan["Saving"], 0.5, delta=0.01)  # archival HEVC at half the H.264 bitrate
        self.assertEqual(len(plan["Years"]), 25)
        # 951 hospitals x 20 years held at the peak, one copy of H.264: about 1.3 EB.
        self.assertAlmostEqual(plan["PeakHeldBytesWithoutArchival"] / 1e18, 951 * 69.4e12 * 20 / 1e18, delta=0.05)
        with self.assertRaises(HttpError) as caught:
            self.server.get("/video-archive/storage/capacity?hospitals=-3")
        self.assertEqual(caught.exception.status, 400)


class StorageCrashTest(unittest.TestCase):
    """kill -9 in the middle of a migration; a full hot disk. SQLite catalog (the embedded default)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-storage-crash-")
        cls.ceph = Ceph().start()
        cls.hot = os.path.join(cls.tmp, "hot")
        storage = {
            "Tiers": [{"Name": "hot", "Kind": "Folder", "Path": cls.hot, "Country": "DE"},
                      cls.ceph.tier("cold", "va-cold", "DE", object_lock=False)],
            "Policies": [{"Name": "all cold", "Tiers": ["cold"]}],
            "MigrationIntervalSeconds": 3600,
            "MigrationMegabytesPerSecond": 4,
            "RetryBaseSeconds": 1,
            "RetryMaxSeconds": 2,
        }
        cls.server = OrthancServer({"AutoArchive": False, "Storage": storage}, name="storage-crash").start()
        # A 30 MB recording: at 4 MB/s its migration lasts long enough to be killed in the middle.
        clip = os.path.join(cls.tmp, "big.mp4")
        media.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "10",
                   "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "24M", "-pix_fmt", "yuv420p", clip])
        cls.big = media.dicomize(clip, os.path.join(cls.tmp, "big.dcm"))

    @classmethod
    def tearDownClass(cls):
        if cls.server.process:
            cls.server.stop()
        cls.ceph.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_kill9_mid_migration_loses_and_double_frees_nothing(self):
        original = open(self.big, "rb").read()
        instance = self.server.post("/instances", original)["ID"]
        uuid = self.server.get(f"/video-archive/storage/instances/{instance}")["ID"]
        self.server.post("/video-archive/storage/migrate")
        deadline = time.time() + 60
        while time.time() < deadline:
            copies = self.server.get(f"/video-archive/storage/instances/{instance}")["Copies"]
            if any(c["Tier"] == "cold" and c["State"] == "writing" for c in copies):
                break
            time.sleep(0.1)
        else:
            self.fail(f"the migration never started: {copies}")
        time.sleep(1.5)
        self.server.kill9()
        self.server.start()
        state = self.server.get(f"/video-archive/storage/instances/{instance}")
        self.assertNotIn("writing", [c["State"] for c in state["Copies"]], state)  # recovered at start-up
        self.assertIn(("hot", "verified"), [(c["Tier"], c["State"]) for c in state["Copies"]])
        self.server.post("/video-archive/storage/migrate")
        deadline = time.time() + 120
        while time.time() < deadline:
            state = self.server.get(f"/video-archive/storage/instances/{instance}")
            if [(c["Tier"], c["State"]) for c in state["Copies"]] == [("cold", "verified")]:
                break
            time.sleep(0.5)
        else:
            self.fail(f"migration did not complete after the restart: {state}\n{self.server.log_tail()}")
        self.assertFalse(any(uuid in f for f in tier_files(self.hot)))
        self.assertEqual(self.server.get(f"/instances/{instance}/file", raw=True)[2], original)
        self.assertEqual(self.server.get("/video-archive/storage/tiers")[1]["Pending"], 0)


class FullDiskTest(unittest.TestCase):
    """The hot tier on a 6 MB tmpfs (a private mount namespace): new data is refused with a clear error, and what
    was stored before is intact."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-storage-full-")
        cls.hot = os.path.join(cls.tmp, "hot")
        os.makedirs(cls.hot)
        prefix = ["unshare", "--mount", "--propagation", "private", "bash", "-c",
                  'mount -t tmpfs -o size=6m tmpfs "$0" && exec "$@"', cls.hot]
        storage = {"Tiers": [{"Name": "hot", "Kind": "Folder", "Path": cls.hot, "Country": "DE"}],
                   "MinFreeMegabytes": 0}
        cls.server = OrthancServer({"AutoArchive": False, "Storage": storage}, name="storage-full",
                                   command_prefix=prefix).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_full_disk_refuses_new_data_and_corrupts_nothing(self):
        stored = {}
        refusal = None
        for i in range(12):
            path = dicom(self.tmp, f"f{i}.dcm", patient=f"PAT-F{i}")
            with open(path, "rb") as f:
                data = f.read()
            try:
                stored[self.server.post("/instances", data)["ID"]] = data
            except HttpError as e:
                refusal = e
                break
        self.assertIsNotNone(refusal, "a 6 MB disk took 12 instances")
        self.assertEqual(refusal.status, 507, refusal.body)
        self.assertGreater(len(stored), 0)
        self.assertIn("full", self.server.log_tail(200).lower())
        # A modality's C-STORE is refused too, with a failure status (0xA700, out of resources).
        sent = subprocess.run(["storescu", "-v", "-aec", AET, "-R", "-xn", "127.0.0.1", str(DICOM_PORT),
                               dicom(self.tmp, "by-cstore.dcm", patient="PAT-CSTORE")],
                              capture_output=True, text=True, timeout=120)
        self.assertIn("Refused: OutOfResources", sent.stdout + sent.stderr)
        for instance, data in stored.items():
            self.assertEqual(self.server.get(f"/instances/{instance}/file", raw=True)[2], data)
        self.assertEqual(len(self.server.get("/instances")), len(stored))


if __name__ == "__main__":
    unittest.main()
