"""Helpers for the transport-security tests: a throw-away PKI made with the openssl CLI, free loopback ports, a small
non-video DICOM file, and DCMTK client invocations with or without TLS."""
import os
import socket
import subprocess
import time

SERVER_SAN = "subjectAltName=IP:127.0.0.1,DNS:localhost"


def run(cmd, timeout=60, **kw):
    """Runs a command and returns the CompletedProcess (text output), whatever its exit code."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def check(cmd, timeout=60, **kw):
    result = run(cmd, timeout=timeout, **kw)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd} failed with {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def free_port():
    """A TCP port that is free on 127.0.0.1 right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Pki:
    """A test CA, a server certificate for 127.0.0.1/localhost, and two client certificates: one signed by the CA
    (client) and one self-signed that the server does not trust (stranger). RSA 2048 keeps the test fast; the
    documented configuration (docs/tls.md) uses 3072-bit RSA or P-256."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        p = lambda name: os.path.join(directory, name)  # noqa: E731
        self.ca_key, self.ca = p("ca.key"), p("ca.pem")
        self.server_key, self.server_crt, self.server_pem = p("server.key"), p("server.crt"), p("server.pem")
        self.client_key, self.client_crt = p("client.key"), p("client.crt")
        self.stranger_key, self.stranger_crt = p("stranger.key"), p("stranger.crt")
        check(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key, "-out", self.ca,
               "-days", "2", "-subj", "/CN=Video Archive Test CA",
               "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        self._leaf("server", self.server_key, self.server_crt, "/CN=localhost",
                   [SERVER_SAN, "extendedKeyUsage=serverAuth,clientAuth", "keyUsage=digitalSignature,keyEncipherment"])
        self._leaf("client", self.client_key, self.client_crt, "/CN=MODALITY",
                   ["extendedKeyUsage=clientAuth,serverAuth", "keyUsage=digitalSignature,keyEncipherment"])
        check(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.stranger_key,
               "-out", self.stranger_crt, "-days", "2", "-subj", "/CN=stranger"])
        # Orthanc's HTTP server (civetweb) wants the key and the certificate in one PEM file.
        with open(self.server_pem, "w") as out:
            out.write(open(self.server_key).read())
            out.write(open(self.server_crt).read())

    def _leaf(self, name, key, crt, subject, extensions):
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("\n".join(e.replace("=", " = ", 1) for e in extensions) + "\n")
        check(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
               "-subj", subject])
        check(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
               "-out", crt, "-days", "2", "-sha256", "-extfile", ext])


# -- TLS probes ----------------------------------------------------------------------------------------------------

def s_client(port, *options, ca=None):
    """One handshake with openssl s_client; returns (exit code, combined output). -brief prints the protocol and
    cipher on success; stdin is empty so the client closes right after the handshake."""
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-brief"]
    if ca:
        cmd += ["-CAfile", ca, "-verify_return_error"]
    result = run(cmd + list(options), input="", timeout=30)
    return result.returncode, result.stdout + result.stderr


# -- DICOM ---------------------------------------------------------------------------------------------------------

def make_dicom(directory, name, patient_id="SEC-1", patient_name="Security^Test"):
    """A small single-frame JPEG Secondary Capture (not a video, so DCMTK's getscu can retrieve it) with fresh UIDs."""
    jpeg = os.path.join(directory, name + ".jpg")
    dcm = os.path.join(directory, name + ".dcm")
    check(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=1",
           "-frames:v", "1", "-pix_fmt", "yuvj420p", jpeg])
    check(["img2dcm", "-k", f"PatientID={patient_id}", "-k", f"PatientName={patient_name}",
           "-k", "StudyDescription=security test", jpeg, dcm])
    return dcm


def tls_options(pki=None, client_cert=True, trust_ca=True):
    """DCMTK 3.6.7 TLS options: +tls KEY CERT (authenticated), or +tla (anonymous: no client certificate); +cf adds
    the CA that signed the server's certificate; the server's certificate is verified (-rc is DCMTK's default)."""
    if pki is None:
        return []
    options = ["+tls", pki.client_key, pki.client_crt] if client_cert else ["+tla"]
    if trust_ca:
        options += ["+cf", pki.ca]
    return options


def dcmtk(tool, port, calling, called, *args, files=(), tls=(), timeout=60):
    """Runs a DCMTK SCU against 127.0.0.1:port (files after the port, for storescu); returns the CompletedProcess
    (stdout and stderr are text)."""
    cmd = [tool, "-aet", calling, "-aec", called, "-to", "10", "-ta", "10", "-td", "10", *tls, *args,
           "127.0.0.1", str(port), *files]
    return run(cmd, timeout=timeout)


# -- Debian 12's civetweb and OpenSSL 3 ----------------------------------------------------------------------------

CIVETWEB = "/usr/lib/x86_64-linux-gnu/libcivetweb.so.1"
LIBSSL3 = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
SHIM_SOURCE = """\
/* civetweb 1.15 (Debian 12) loads libssl.so with dlopen and looks up SSL_get_peer_certificate, which OpenSSL 3
   only has as a macro (civetweb issue #1334); the missing pointer is called after every TLS handshake and Orthanc
   dies with SIGSEGV. This library is found first as "libssl.so", pulls in libssl.so.3 for everything else, and
   adds the one function (same semantics: a new reference that civetweb frees). */
typedef struct ssl_st SSL;
typedef struct x509_st X509;
X509 *SSL_get1_peer_certificate(const SSL *ssl);
X509 *SSL_get_peer_certificate(const SSL *ssl) { return SSL_get1_peer_certificate(ssl); }
"""


def _exports(library, symbol):
    out = run(["nm", "-D", "--defined-only", library]).stdout
    return any(line.split()[-1].split("@")[0] == symbol for line in out.splitlines() if line.strip())


def civetweb_needs_shim():
    """True when civetweb asks for SSL_get_peer_certificate and the system's libssl does not export it."""
    return (os.path.exists(CIVETWEB) and b"SSL_get_peer_certificate" in open(CIVETWEB, "rb").read()
            and not _exports(LIBSSL3, "SSL_get_peer_certificate"))


def civetweb_shim(directory):
    """Builds the shim as DIRECTORY/libssl.so; returns the command prefix that makes Orthanc's civetweb use it."""
    os.makedirs(directory, exist_ok=True)
    source = os.path.join(directory, "civetweb-openssl3-shim.c")
    with open(source, "w") as f:
        f.write(SHIM_SOURCE)
    check(["cc", "-shared", "-fPIC", "-O2", "-o", os.path.join(directory, "libssl.so"), source,
           "-Wl,--no-as-needed", "-l:libssl.so.3"])
    return ["env", f"LD_LIBRARY_PATH={directory}"]
