"""Real servers for the storage tests: a single-node Ceph (S3 through radosgw) and PostgreSQL, started from
tests/services/ in a scratch folder and stopped afterwards. The tests run inside a private network namespace."""
import os
import shutil
import subprocess
import tempfile

from orthanc_server import SOURCE_DIR

SCRIPTS = os.path.join(SOURCE_DIR, "tests", "services")


def _env_lines(text):
    out = {}
    for line in text.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]  # written for a shell to source
            out[key.strip()] = value
    return out


class Ceph:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="va-ceph-")
        self.env = {}

    def start(self):
        done = subprocess.run(["bash", os.path.join(SCRIPTS, "ceph.sh"), "start", self.dir], capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError("ceph.sh start failed:\n" + done.stdout + done.stderr)
        self.env = _env_lines(done.stdout)
        return self

    def stop_s3(self):
        """Stops radosgw only: the S3 service is down, the data (in the OSD) stays."""
        subprocess.run(["bash", os.path.join(SCRIPTS, "ceph.sh"), "stop-rgw", self.dir], check=True, timeout=120)

    def start_s3(self):
        subprocess.run(["bash", os.path.join(SCRIPTS, "ceph.sh"), "start-rgw", self.dir], check=True, timeout=300,
                       stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run(["bash", os.path.join(SCRIPTS, "ceph.sh"), "stop", self.dir], timeout=300)
        shutil.rmtree(self.dir, ignore_errors=True)

    def tier(self, name, bucket, country, object_lock=True):
        return {"Name": name, "Kind": "S3", "Country": country, "Endpoint": self.env["VA_S3_ENDPOINT"],
                "Region": self.env.get("VA_S3_REGION", "us-east-1"), "Bucket": bucket,
                "AccessKey": self.env["VA_S3_ACCESS_KEY"], "SecretKey": self.env["VA_S3_SECRET_KEY"],
                "ObjectLock": object_lock, "CreateBucket": True, "PartMegabytes": 5, "TimeoutSeconds": 20}


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="va-pg-")
        self.conninfo = None

    def start(self):
        done = subprocess.run(["bash", os.path.join(SCRIPTS, "postgres.sh"), "start", self.dir], capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError("postgres.sh start failed:\n" + done.stdout + done.stderr)
        self.conninfo = _env_lines(done.stdout)["VA_PG_CONNINFO"]
        return self

    def stop(self):
        subprocess.run(["bash", os.path.join(SCRIPTS, "postgres.sh"), "stop", self.dir], timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)
