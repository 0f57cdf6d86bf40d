"""The shipped configuration makes Orthanc accept every MPEG-2, H.264 and HEVC transfer syntax over C-STORE."""
import os
import shutil
import struct
import tempfile
import unittest

import media
from orthanc_server import OrthancServer

# storescu's option that proposes exactly each video transfer syntax (DCMTK 3.6.7).
PROPOSALS = {
    "1.2.840.10008.1.2.4.100": "-xm",
    "1.2.840.10008.1.2.4.101": "-xh",
    "1.2.840.10008.1.2.4.102": "-xn",
    "1.2.840.10008.1.2.4.103": "-xl",
    "1.2.840.10008.1.2.4.104": "-x2",
    "1.2.840.10008.1.2.4.105": "-x3",
    "1.2.840.10008.1.2.4.106": "-xo",
    "1.2.840.10008.1.2.4.107": "-x4",
    "1.2.840.10008.1.2.4.108": "-x5",
}


def relabel(src, out, ts_uid, suffix):
    """A copy of src whose meta header names ts_uid and whose SOP Instance UID is new (association test only:
    the bitstream is not changed, so archiving is off in this suite)."""
    data = open(src, "rb").read()
    meta_end = 132 + 12 + struct.unpack("<I", data[140:144])[0]
    meta, body = data[:meta_end], data[meta_end:]
    old_ts = media.dcmdump(src)["0002,0010"].encode()
    old_sop = media.dcmdump(src)["0008,0018"].encode()
    new_sop = (old_sop[: len(old_sop) - len(suffix)] + suffix.encode())
    # Same-length replacements keep every length field valid.
    new_ts = ts_uid.encode()
    assert len(new_ts) == len(old_ts)
    meta = meta.replace(old_ts, new_ts, 1).replace(old_sop, new_sop, 1)
    body = body.replace(old_sop, new_sop, 1)
    with open(out, "wb") as f:
        f.write(meta + body)
    return out


class CStoreSyntaxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="va-ts-")
        cls.h264 = media.dicomize(media.ROBOT_MASK, os.path.join(cls.tmp, "base.dcm"))
        cls.server = OrthancServer({"AutoArchive": False}, name="syntaxes").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_video_transfer_syntax_is_accepted(self):
        for index, (uid, flag) in enumerate(sorted(PROPOSALS.items())):
            with self.subTest(transfer_syntax=uid):
                path = relabel(self.h264, os.path.join(self.tmp, f"ts{index}.dcm"), uid, f".{index + 1}")
                result = self.server.storescu(path, flag)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                sop = media.dcmdump(path)["0008,0018"]
                instance = self.server.instance_id_of(sop)
                self.assertIsNotNone(instance, f"{uid} not stored")
                self.assertEqual(self.server.get(f"/instances/{instance}/metadata/TransferSyntax"), uid)


if __name__ == "__main__":
    unittest.main()
