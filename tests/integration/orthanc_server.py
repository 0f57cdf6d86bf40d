"""A real Orthanc process with the video-archive and DICOMweb plugins, started and stopped by a test."""
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

BUILD_DIR = os.environ.get("VA_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE_DIR = os.environ.get("VA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
TESTDATA = os.environ.get("VA_TESTDATA", os.path.join(SOURCE_DIR, "../shared/testdata"))
PLUGIN = os.path.join(BUILD_DIR, "orthanc-plugin", "libOrthancVideoArchive.so")
TOOLS = os.path.join(BUILD_DIR, "tools")
HTTP_PORT = 8042
DICOM_PORT = 4242
AET = "VIDEOARCHIVE"


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:500]!r}")
        self.status = status
        self.body = body


def _strip_comments(text):
    """Orthanc's configuration allows // comments; json does not."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        lines.append(line)
    return "\n".join(lines)


class OrthancServer:
    def __init__(self, video_archive=None, name="orthanc", command_prefix=None, orthanc=None, scheme="http",
                 ssl_context=None):
        # scheme "https" for a server with "SslEnabled"; ssl_context (an ssl.SSLContext) then trusts the test CA
        # and may hold a client certificate.
        self.scheme = scheme
        self.ssl_context = ssl_context
        self.dir = tempfile.mkdtemp(prefix=f"va-{name}-")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)
        self.config_path = os.path.join(self.dir, "orthanc.json")
        template = os.path.join(SOURCE_DIR, "config", "orthanc.json.in")
        subprocess.run(["bash", os.path.join(SOURCE_DIR, "scripts", "make-config.sh"), self.data, PLUGIN,
                        self.config_path, str(HTTP_PORT), str(DICOM_PORT), AET], check=True)
        config = json.loads(_strip_comments(open(self.config_path).read()))
        config["VideoArchive"].update(video_archive or {})
        config.update(orthanc or {})  # top-level Orthanc options
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.log_path = os.path.join(self.dir, "orthanc.log")
        self.process = None
        self.command_prefix = command_prefix or []  # e.g. a private mount namespace with a small disk
        assert os.path.exists(template)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def start(self, timeout=60):
        log = open(self.log_path, "ab")
        env = dict(os.environ)
        if os.environ.get("VA_ORTHANC_PRELOAD"):  # debugging: e.g. libasan.so for a plugin built with ASan
            env["LD_PRELOAD"] = os.environ["VA_ORTHANC_PRELOAD"]
        self.process = subprocess.Popen(self.command_prefix + ["Orthanc", "--verbose", self.config_path],
                                        stdout=log, stderr=log,
                                        cwd=self.dir, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.get("/system")
                return self
            except (OSError, HttpError):
                time.sleep(0.2)
        tail = self.log_tail()
        self.stop()  # a server that never answered is not left running
        raise RuntimeError("Orthanc did not answer in time:\n" + tail)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill9(self):
        self.process.kill()
        self.process.wait()
        self.process = None

    def log_tail(self, lines=60):
        try:
            return "\n".join(open(self.log_path, errors="replace").read().splitlines()[-lines:])
        except OSError:
            return ""

    # -- HTTP --------------------------------------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, raw=False):
        url = f"{self.scheme}://127.0.0.1:{HTTP_PORT}{path}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120, context=self.ssl_context) as answer:
                data = answer.read()
                if raw:
                    return answer.status, dict(answer.headers), data
                if not data:
                    return None
                try:
                    return json.loads(data)
                except ValueError:
                    return data.decode("utf-8", "replace")  # plain-text answers (metadata values)
        except urllib.error.HTTPError as e:
            raise HttpError(e.code, e.read()) from None

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=b"", **kw):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        return self.request("POST", path, body=body, **kw)

    # -- DICOM -------------------------------------------------------------------------------------------------
    def storescu(self, path, propose_flag):
        """Sends one file with DCMTK's storescu, proposing exactly the given transfer syntax option."""
        return subprocess.run(["storescu", "-aec", AET, "-R", propose_flag, "127.0.0.1", str(DICOM_PORT), path],
                              capture_output=True, text=True, timeout=120)

    # -- archive helpers ---------------------------------------------------------------------------------------
    def instance_id_of(self, sop_uid):
        found = self.post("/tools/lookup", sop_uid.encode())
        ids = [r["ID"] for r in found if r["Type"] == "Instance"]
        return ids[0] if ids else None

    def wait_task(self, instance_id, states=("done", "failed", "skipped"), timeout=600):
        deadline = time.time() + timeout
        task = None
        while time.time() < deadline:
            try:
                task = self.get(f"/video-archive/tasks/{instance_id}")
                if task["State"] in states:
                    return task
            except HttpError as e:
                if e.status != 404:
                    raise
            time.sleep(0.3)
        raise AssertionError(f"task of {instance_id} not in {states} after {timeout}s: {task}\n{self.log_tail()}")
