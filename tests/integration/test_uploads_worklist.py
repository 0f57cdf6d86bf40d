"""Worklist lookup for uploads: the ModalityWorklists folder, and a real worklist SCP (DCMTK's wlmscpfs)."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from media import NEURO_H264
from orthanc_server import HttpError, OrthancServer
from uploads import ROOT, raw_upload, record, upload_metadata, wait_upload

WORKLIST_DUMP = """
(0008,0005) CS [ISO_IR 192]
(0008,0050) SH [{accession}]
(0010,0010) PN [{name}]
(0010,0020) LO [{pid}]
(0010,0030) DA [19800704]
(0010,0040) CS [M]
(0020,000d) UI [{study}]
(0032,1060) LO [Knee arthroscopy]
(0040,1001) SH [RP{accession}]
(0032,1064) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=3)
    (0008,0100) SH [80632005]
    (0008,0102) SH [SCT]
    (0008,0104) LO [Arthroscopy of knee]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)
(0040,0100) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=7)
    (0008,0060) CS [ES]
    (0040,0001) AE [VIDEOARCHIVE]
    (0040,0002) DA [20261127]
    (0040,0003) TM [0800]
    (0040,0006) PN [SMITH^ANNA]
    (0040,0007) LO [Knee arthroscopy]
    (0040,0009) SH [SPS{accession}]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)
"""


def write_worklist(folder, accession, pid, name, study):
    dump = os.path.join(folder, accession + ".dump")
    with open(dump, "w") as f:
        f.write(WORKLIST_DUMP.format(accession=accession, pid=pid, name=name, study=study))
    subprocess.run(["dump2dcm", "-F", dump, os.path.join(folder, accession + ".wl")], check=True)
    os.remove(dump)


def unrecorded(**overrides):
    """An upload that names only the accession number: the worklist has to say who the patient is."""
    fields = dict(patientId=None, patientName=None, patientBirthDate=None, patientSex=None, studyDescription=None,
                  procedureCode=None)
    fields.update(overrides)
    return record(**fields)


class WorklistFolder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="va-worklists-")
        write_worklist(cls.folder, "WL0001", "VA-3003", "MÜLLER^HANS", "1.2.826.0.1.3680043.10.543.3003")
        cls.orthanc = OrthancServer({"AutoArchive": False, "Uploads": {"WorklistsFolder": cls.folder}},
                                    name="worklist").start()

    @classmethod
    def tearDownClass(cls):
        cls.orthanc.stop()

    def test_the_worklist_fills_the_patient_and_study(self):
        u = wait_upload(self.orthanc, raw_upload(self.orthanc, NEURO_H264, unrecorded(accessionNumber="WL0001")))
        self.assertEqual(u["State"], "Done", u)
        instance = u["Result"]["Series"][0]["Instances"][0]["ID"]
        tags = self.orthanc.get(f"/instances/{instance}/simplified-tags")
        self.assertEqual(tags["PatientID"], "VA-3003")
        self.assertEqual(tags["PatientName"], "MÜLLER^HANS")
        self.assertEqual(tags["PatientBirthDate"], "19800704")
        self.assertEqual(tags["StudyInstanceUID"], "1.2.826.0.1.3680043.10.543.3003")
        self.assertEqual(tags["StudyDescription"], "Knee arthroscopy")
        self.assertEqual(tags["ProcedureCodeSequence"][0]["CodeValue"], "80632005")

    def test_a_conflict_with_the_worklist_is_refused_naming_the_field(self):
        for field, value in (("patientId", "VA-9999"), ("patientName", "SMITH^JOHN")):
            with self.subTest(field=field):
                rec = unrecorded(accessionNumber="WL0001", **{field: value})
                with self.assertRaises(HttpError) as ctx:
                    self.orthanc.request("POST", ROOT, raw=True, headers={
                        "Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": upload_metadata(rec)})
                self.assertEqual(ctx.exception.status, 409)
                self.assertIn(field, json.loads(ctx.exception.body)["Message"])
        # A matching record (names compare without case) is accepted.
        rec = unrecorded(accessionNumber="WL0001", patientId="VA-3003", patientName="müller^hans")
        status = self.orthanc.request("POST", ROOT, raw=True, headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": upload_metadata(rec)})[0]
        self.assertEqual(status, 201)

    def test_an_unknown_accession_without_a_patient_is_refused(self):
        with self.assertRaises(HttpError) as ctx:
            self.orthanc.request("POST", ROOT, raw=True, headers={
                "Tus-Resumable": "1.0.0", "Upload-Length": "10",
                "Upload-Metadata": upload_metadata(unrecorded(accessionNumber="NOPE"))})
        self.assertEqual(ctx.exception.status, 400)
        self.assertIn("patientId", json.loads(ctx.exception.body)["Message"])


class WorklistScp(unittest.TestCase):
    PORT = 4343

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="va-wlmscpfs-")
        folder = os.path.join(cls.root, "WLSCP")
        os.makedirs(folder)
        open(os.path.join(folder, "lockfile"), "w").close()
        write_worklist(folder, "WL0042", "VA-4242", "ROE^JANE", "1.2.826.0.1.3680043.10.543.4242")
        cls.scp = subprocess.Popen(["wlmscpfs", "-dfp", cls.root, str(cls.PORT)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        cls.orthanc = OrthancServer({"AutoArchive": False,
                                     "Uploads": {"WorklistScp": ["WLSCP", "127.0.0.1", cls.PORT]}},
                                    name="worklist-scp").start()

    @classmethod
    def tearDownClass(cls):
        cls.orthanc.stop()
        cls.scp.terminate()
        cls.scp.wait(timeout=10)

    def test_the_remote_worklist_fills_the_record(self):
        _, _, body = self.orthanc.request("POST", ROOT, raw=True, headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": "10",
            "Upload-Metadata": upload_metadata(unrecorded(accessionNumber="WL0042"))})
        rec = json.loads(body)["Record"]
        self.assertEqual(rec["patientId"], "VA-4242")
        self.assertEqual(rec["patientName"], "ROE^JANE")
        self.assertEqual(rec["studyInstanceUid"], "1.2.826.0.1.3680043.10.543.4242")

    def test_an_unreachable_worklist_is_a_gateway_error(self):
        self.scp.terminate()
        self.scp.wait(timeout=10)
        try:
            with self.assertRaises(HttpError) as ctx:
                self.orthanc.request("POST", ROOT, raw=True, headers={
                    "Tus-Resumable": "1.0.0", "Upload-Length": "10",
                    "Upload-Metadata": upload_metadata(unrecorded(accessionNumber="WL0042"))})
            self.assertEqual(ctx.exception.status, 502)
        finally:
            type(self).scp = subprocess.Popen(["wlmscpfs", "-dfp", self.root, str(self.PORT)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)


if __name__ == "__main__":
    unittest.main()
