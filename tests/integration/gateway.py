"""nginx as the tus gateway in front of Orthanc (config/nginx-tus.conf.in), started and stopped by a test."""
import os
import subprocess
import tempfile
import time
import urllib.request

from orthanc_server import HTTP_PORT, SOURCE_DIR

GATEWAY_PORT = 8080
JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


class NginxGateway:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="va-nginx-")
        self.conf = os.path.join(self.dir, "nginx.conf")
        subprocess.run(["bash", os.path.join(SOURCE_DIR, "scripts", "make-nginx-config.sh"), self.dir,
                        f"127.0.0.1:{GATEWAY_PORT}", f"127.0.0.1:{HTTP_PORT}", self.conf], check=True)
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{GATEWAY_PORT}"

    def start(self):
        self.process = subprocess.Popen(["nginx", "-c", self.conf, "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/nginx-probe", timeout=1)
            except urllib.error.HTTPError:
                return self  # nginx answered (Orthanc may be down: 502 is an answer too)
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start: " + open(os.path.join(self.dir, "nginx-error.log")).read())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def tus_upload(endpoint, path, metadata, *options):
    """Starts tus-js-client (node) on one file; returns the process (stdout: JSON lines)."""
    return subprocess.Popen(["node", os.path.join(JS_DIR, "tus-upload.cjs"), endpoint, path, metadata, *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
