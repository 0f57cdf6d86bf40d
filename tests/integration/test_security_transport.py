"""Transport security and DICOM permissions. Orthanc (with the plugin) is started with the options of
config/orthanc-hardened.json (certificates from a throw-away test CA, hosts 127.0.0.1) and checked from outside with
openssl s_client, curl and DCMTK: HTTPS with TLS 1.2+ and the hardened ciphers only, client certificates for HTTP
and DICOM, DICOM TLS, Orthanc's own SCU over TLS, and the per-AE-title table of allowed C-ECHO, C-STORE, C-FIND,
C-GET and C-MOVE. A second Orthanc runs the same DICOM permissions without TLS, because DCMTK 3.6.7's getscu and
movescu cannot speak TLS. docs/tls.md states the same facts."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import unittest

import security_tools as st
from orthanc_server import AET, DICOM_PORT, HTTP_PORT, SOURCE_DIR, OrthancServer, _strip_comments

HARDENED = os.path.join(SOURCE_DIR, "config", "orthanc-hardened.json")
MOVE_DESTINATION_PORT = st.free_port()  # WORKSTATION's storescp (inside the test's network namespace)

# The hardened configuration's TLS 1.2 list; TLS 1.3 suites are OpenSSL's defaults.
HARDENED_TLS12 = {"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
                  "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}
TLS13 = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}


def hardened_options(pki):
    """config/orthanc-hardened.json with the test's certificates and loopback hosts."""
    options = json.loads(_strip_comments(open(HARDENED).read()))
    options.update({
        "SslCertificate": pki.server_pem,
        "SslTrustedClientCertificates": pki.ca,
        "DicomTlsCertificate": pki.server_crt,
        "DicomTlsPrivateKey": pki.server_key,
        "DicomTlsTrustedCertificates": pki.ca,
        "HttpsCACertificates": pki.ca,
    })
    modalities = options["DicomModalities"]
    for modality in modalities.values():
        modality["Host"] = "127.0.0.1"
    modalities["workstation"]["Port"] = MOVE_DESTINATION_PORT
    # A known AE title whose declared host is not the one it calls from: DicomCheckModalityHost refuses it.
    modalities["faraway"] = dict(modalities["archivist"], AET="FARAWAY", Host="192.0.2.10")
    return options


# What each calling AE title may do (config/orthanc-hardened.json); FARAWAY is declared with every right but at
# another host, UNKNOWN is not declared at all.
OPERATIONS = ("echo", "store", "find", "get", "move")
ALLOWED = {
    "MODALITY": {"echo", "store"},
    "WORKSTATION": {"echo", "find", "get", "move"},
    "ARCHIVIST": set(OPERATIONS),
    "FARAWAY": set(),
    "UNKNOWN": set(),
}
NOT_RECOGNIZED = "Reason: Calling AE Title Not Recognized"


def dicom_tag(path, tag):
    """One attribute's value, as dcmdump prints it between brackets."""
    out = st.check(["dcmdump", "+P", tag, path]).stdout
    return out.split("[", 1)[1].split("]", 1)[0]


class ServerTest(unittest.TestCase):
    """Starts one Orthanc with the hardened options (with_tls False: HTTP and DICOM without TLS, for DCMTK's
    getscu and movescu, which have no TLS options in 3.6.7), stores one study as ARCHIVIST, and starts the C-MOVE
    destination WORKSTATION (a DCMTK storescp on 127.0.0.1, over TLS when the server uses TLS)."""
    with_tls = True
    name = "hardened"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix=f"va-sectest-{cls.name}-")
        cls.pki = st.Pki(os.path.join(cls.tmp, "pki"))
        options = hardened_options(cls.pki)
        if cls.with_tls:
            prefix = st.civetweb_shim(os.path.join(cls.tmp, "shim")) if st.civetweb_needs_shim() else []
            context = ssl.create_default_context(cafile=cls.pki.ca)
            context.load_cert_chain(cls.pki.client_crt, cls.pki.client_key)
            scheme = "https"
            cls.tls = st.tls_options(cls.pki)
        else:
            prefix, context, scheme, cls.tls = [], None, "http", []
            options.update({"SslEnabled": False, "DicomTlsEnabled": False})
            for modality in options["DicomModalities"].values():
                modality["UseDicomTls"] = False
        cls.server = OrthancServer({"AutoArchive": False}, name=f"sec-{cls.name}", command_prefix=prefix,
                                   orthanc=options, scheme=scheme, ssl_context=context)
        cls.scp = None
        try:
            cls.server.start()
            # One study stored by ARCHIVIST: what C-FIND, C-GET and C-MOVE look for.
            cls.study_file = cls.uncompressed("study")
            stored = cls.dicom("storescu", "ARCHIVIST", files=[cls.study_file])
            assert stored.returncode == 0, stored.stdout + stored.stderr
            cls.study_uid = dicom_tag(cls.study_file, "0020,000d")
            cls.received = os.path.join(cls.tmp, "received")
            os.makedirs(cls.received)
            cls.scp_log = open(os.path.join(cls.tmp, "storescp.log"), "w")
            cls.scp = subprocess.Popen(["storescp", "-aet", "WORKSTATION", *cls.tls, "-od", cls.received,
                                        str(MOVE_DESTINATION_PORT)],
                                       stdout=cls.scp_log, stderr=subprocess.STDOUT)
            st.wait_port(MOVE_DESTINATION_PORT)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.scp:
            cls.scp.terminate()
            cls.scp.wait(timeout=30)
            cls.scp_log.close()
            cls.scp = None
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def uncompressed(cls, name, patient_id="SEC-1"):
        """A fresh small uncompressed Secondary Capture (uncompressed: DCMTK clients propose it by default)."""
        jpeg_dicom = st.make_dicom(cls.tmp, name + "-jpeg", patient_id=patient_id)
        out = os.path.join(cls.tmp, name + ".dcm")
        st.check(["dcmdjpeg", jpeg_dicom, out])
        return out

    @classmethod
    def dicom(cls, tool, calling, *args, called=AET, tls=None, files=()):
        return st.dcmtk(tool, DICOM_PORT, calling, called, *args, files=files, tls=cls.tls if tls is None else tls)


class PermissionChecks:
    """The table of ALLOWED, for the operations in OPERATIONS (a mixin of ServerTest)."""

    # -- per-AE-title permissions --------------------------------------------------------------------------------
    def attempt(self, operation, calling):
        """Runs one DIMSE operation as `calling`; returns (worked, DCMTK result)."""
        study = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={self.study_uid}"]
        if operation == "echo":
            r = self.dicom("echoscu", calling)
            return r.returncode == 0, r
        if operation == "store":
            path = self.uncompressed(f"perm-{calling}", patient_id=f"SEC-{calling}")
            r = self.dicom("storescu", calling, files=[path])
            sop = dicom_tag(path, "0008,0018")
            stored = self.server.instance_id_of(sop) is not None
            self.assertEqual(stored, r.returncode == 0, r)
            return stored, r
        if operation == "find":
            r = self.dicom("findscu", calling, "-S", *study)
            # A refused C-FIND is not a failed exit code for findscu 3.6.7: it logs "Find Failed" and exits 0.
            output = r.stdout + r.stderr
            return r.returncode == 0 and "Find Failed" not in output and self.study_uid in output, r
        if operation == "get":
            out = tempfile.mkdtemp(dir=self.tmp)
            r = self.dicom("getscu", calling, "-S", *study, "-od", out)
            return r.returncode == 0 and len(os.listdir(out)) == 1, r
        if operation == "move":
            for name in os.listdir(self.received):
                os.remove(os.path.join(self.received, name))
            r = self.dicom("movescu", calling, "-S", "-aem", "WORKSTATION", *study)
            # movescu 3.6.7 exits 0 when the C-MOVE request itself fails ("Move Request Failed").
            return r.returncode == 0 and "Move Request Failed" not in r.stdout + r.stderr and self._moved(), r
        raise ValueError(operation)

    def _moved(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.listdir(self.received):
                return True
            time.sleep(0.1)
        return False

    # How a refusal shows in DCMTK 3.6.7's output and exit code, for a known AE title without the right.
    REFUSED_KNOWN = {
        "store": (None, "Peer aborted Association"),
        "find": (0, "Find Failed"),  # then "Peer aborted Association"
        "get": (1, "Peer aborted Association"),
        "move": (0, "Move Request Failed"),
    }
    # An AE title that is not declared (or calls from another host) never gets an association.
    REFUSED_UNKNOWN = {"echo": 1, "store": 1, "find": 2, "get": 1, "move": 61}

    def test_permission_table(self):
        table = {}
        for calling, allowed in ALLOWED.items():
            for operation in self.OPERATIONS:
                with self.subTest(calling=calling, operation=operation):
                    worked, r = self.attempt(operation, calling)
                    table[(calling, operation)] = (worked, r.returncode)
                    output = r.stdout + r.stderr
                    if operation in allowed:
                        self.assertTrue(worked, output)
                        continue
                    self.assertFalse(worked, output)
                    if not allowed:
                        self.assertEqual(r.returncode, self.REFUSED_UNKNOWN[operation], output)
                        if operation == "get":
                            self.assertIn("DUL Association Rejected", output)
                        else:
                            self.assertIn(NOT_RECOGNIZED, output)
                        log = self.server.log_tail(100000)
                        self.assertIn(f"Rejected association for remote AET {calling} on IP 127.0.0.1", log)
                        if calling == "FARAWAY":
                            self.assertIn('Forbidding access from AET "FARAWAY" given its hostname (127.0.0.1) does '
                                          'not match the "DicomModalities" configuration option', log)
                    else:
                        code, text = self.REFUSED_KNOWN[operation]
                        if code is not None:
                            self.assertEqual(r.returncode, code, output)
                        else:
                            self.assertNotEqual(r.returncode, 0, output)  # varies (10, 13, 176...)
                        self.assertIn(text, output)
                        # Orthanc accepted the association, then aborted it on the command, and says why.
                        self.assertIn(f"DICOM authorization rejected for AET {calling} on IP 127.0.0.1: The DICOM "
                                      f"command {operation.capitalize()} is not allowed for this modality",
                                      self.server.log_tail(100000))
        rows = []
        for calling in ALLOWED:
            cells = (f"{o}={'ok' if table[(calling, o)][0] else 'refused'}({table[(calling, o)][1]})"
                     for o in self.OPERATIONS)
            rows.append(f"{calling:12} " + " ".join(cells))
        print("\n" + "\n".join(rows))  # the table as measured, with DCMTK's exit codes

    def test_wrong_called_ae_title_is_rejected(self):
        result = self.dicom("echoscu", "ARCHIVIST", called="NOTTHEARCHIVE")
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("Reason: Called AE Title Not Recognized", result.stderr)


class HardenedTlsTest(ServerTest, PermissionChecks):
    """HTTPS and DICOM TLS as configured in config/orthanc-hardened.json; the permission table for the operations
    whose DCMTK clients speak TLS."""
    with_tls = True
    name = "tls"
    OPERATIONS = ("echo", "store", "find")

    def s_client(self, *options):
        return st.s_client(HTTP_PORT, *options, ca=self.pki.ca)

    def curl(self, *options, path="/system"):
        return st.run(["curl", "-sS", "-m", "20", *options, f"https://127.0.0.1:{HTTP_PORT}{path}"])

    def client_cert(self):
        return ["--cert", self.pki.client_crt, "--key", self.pki.client_key]

    # -- HTTPS ---------------------------------------------------------------------------------------------------
    def test_handshake_is_verified_and_tls12_or_newer(self):
        code, out = self.s_client("-cert", self.pki.client_crt, "-key", self.pki.client_key)
        self.assertEqual(code, 0, out)
        self.assertIn("Verification: OK", out)
        self.assertRegex(out, r"Protocol version: TLSv1\.[23]\n")

    def test_tls13_uses_an_aead_suite(self):
        code, out = self.s_client("-tls1_3", "-cert", self.pki.client_crt, "-key", self.pki.client_key)
        self.assertEqual(code, 0, out)
        self.assertIn("Protocol version: TLSv1.3", out)
        self.assertIn(out.split("Ciphersuite: ")[1].split()[0], TLS13)

    def test_tls12_negotiates_only_the_hardened_ciphers(self):
        for cipher in ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"):
            with self.subTest(cipher=cipher):
                code, out = self.s_client("-tls1_2", "-cipher", cipher,
                                          "-cert", self.pki.client_crt, "-key", self.pki.client_key)
                self.assertEqual(code, 0, out)
                self.assertIn("Protocol version: TLSv1.2", out)
                self.assertIn(f"Ciphersuite: {cipher}", out)
        # Whatever a TLS 1.2 client offers, the server picks from its list.
        code, out = self.s_client("-tls1_2", "-cert", self.pki.client_crt, "-key", self.pki.client_key)
        self.assertEqual(code, 0, out)
        self.assertIn(out.split("Ciphersuite: ")[1].split()[0], HARDENED_TLS12)

    def test_old_protocols_are_refused_by_the_server(self):
        # SECLEVEL=0 lets this client offer TLS 1.0/1.1: the refusal is the server's "protocol version" alert (70).
        for protocol in ("-tls1_1", "-tls1"):
            with self.subTest(protocol=protocol):
                code, out = self.s_client(protocol, "-cipher", "DEFAULT@SECLEVEL=0")
                self.assertNotEqual(code, 0, out)
                self.assertIn("alert protocol version", out)
                self.assertNotIn("CONNECTION ESTABLISHED", out)

    def test_weak_ciphers_are_refused_by_the_server(self):
        # Offered alone by the client over TLS 1.2: the server answers "handshake failure" (alert 40). CBC with
        # SHA-1, RSA key exchange without forward secrecy (even with GCM), ECDHE with CBC.
        for cipher in ("AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384"):
            with self.subTest(cipher=cipher):
                code, out = self.s_client("-tls1_2", "-cipher", cipher + "@SECLEVEL=0")
                self.assertNotEqual(code, 0, out)
                self.assertIn("alert handshake failure", out)
                self.assertNotIn("CONNECTION ESTABLISHED", out)

    def test_plain_http_to_the_https_port_gets_nothing(self):
        result = st.run(["curl", "-sS", "-m", "20", f"http://127.0.0.1:{HTTP_PORT}/system"])
        self.assertEqual(result.returncode, 52, result)  # curl: "Empty reply from server"
        self.assertEqual(result.stdout, "")

    def test_curl_gets_system_over_https_with_a_client_certificate(self):
        result = self.curl("--cacert", self.pki.ca, *self.client_cert())
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(json.loads(result.stdout)["DicomAet"], AET)

    def test_https_client_without_certificate_is_refused(self):
        result = self.curl("--cacert", self.pki.ca)
        self.assertNotEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout, "")
        # TLS 1.3: the client finishes its side of the handshake before the server has checked for a certificate, so
        # the refusal (a "certificate required" alert (116), or under load just the connection closed) comes after
        # it. Send a request and read until the server closes (-ign_eof): no answer may come.
        result = st.run(["openssl", "s_client", "-connect", f"127.0.0.1:{HTTP_PORT}", "-servername", "localhost",
                         "-brief", "-ign_eof", "-CAfile", self.pki.ca], input="GET /system HTTP/1.0\r\n\r\n",
                        timeout=30)
        out = result.stdout + result.stderr
        self.assertNotIn("HTTP/1.", out)
        self.assertNotIn("DicomAet", out)

    def test_https_client_with_an_untrusted_certificate_is_refused(self):
        result = self.curl("--cacert", self.pki.ca, "--cert", self.pki.stranger_crt, "--key", self.pki.stranger_key)
        self.assertNotEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout, "")

    def test_client_without_the_ca_refuses_the_server(self):
        result = st.run(["curl", "-sS", "-m", "20", *self.client_cert(), f"https://127.0.0.1:{HTTP_PORT}/system"])
        self.assertEqual(result.returncode, 60, result)  # curl: peer certificate cannot be authenticated

    # -- DICOM TLS -----------------------------------------------------------------------------------------------
    def test_echo_over_tls_with_a_client_certificate(self):
        result = self.dicom("echoscu", "MODALITY")
        self.assertEqual(result.returncode, 0, result)

    def test_plain_dicom_is_refused(self):
        result = self.dicom("echoscu", "MODALITY", tls=[])
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("Association Request Failed", result.stderr)

    def test_tls_without_a_client_certificate_is_refused(self):
        result = self.dicom("echoscu", "MODALITY", tls=st.tls_options(self.pki, client_cert=False))
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("Association Request Failed", result.stderr)

    def test_tls_with_an_untrusted_client_certificate_is_refused(self):
        tls = ["+tls", self.pki.stranger_key, self.pki.stranger_crt, "+cf", self.pki.ca]
        result = self.dicom("echoscu", "MODALITY", tls=tls)
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("Association Request Failed", result.stderr)

    def test_dicom_tls_protocols_and_ciphers_as_measured(self):
        # Orthanc 1.10.1 has no option for the DICOM TLS protocol versions or ciphers (docs/tls.md, "Known
        # limits"): with a client certificate, TLS 1.3 and TLS 1.2 with forward secrecy are negotiated, but TLS 1.0,
        # 1.1 and TLS_RSA_WITH_AES_128_CBC_SHA (the retired DICOM "AES" profile) are still accepted. If this test
        # fails because they are refused, Orthanc got better: update docs/tls.md.
        me = ["-cert", self.pki.client_crt, "-key", self.pki.client_key]
        code, out = st.s_client(DICOM_PORT, *me, ca=self.pki.ca)
        self.assertEqual(code, 0, out)
        self.assertIn("Protocol version: TLSv1.3", out)
        code, out = st.s_client(DICOM_PORT, "-tls1_2", *me, ca=self.pki.ca)
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"Ciphersuite: (EC)?DHE-RSA-AES256-GCM-SHA384")
        for weak in (["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"], ["-tls1_2", "-cipher", "AES128-SHA@SECLEVEL=0"]):
            with self.subTest(weak=weak):
                code, out = st.s_client(DICOM_PORT, *weak, *me, ca=self.pki.ca)
                self.assertEqual(code, 0, out)
                self.assertIn("CONNECTION ESTABLISHED", out)
        code, out = st.s_client(DICOM_PORT, "-tls1_2", "-cipher", "AES256-GCM-SHA384@SECLEVEL=0", *me)
        self.assertIn("alert handshake failure", out)

    def test_client_verifies_the_server_certificate(self):
        result = self.dicom("echoscu", "MODALITY", tls=st.tls_options(self.pki, trust_ca=False))
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("certificate verify failed", result.stderr)

    def test_orthanc_scu_stores_over_tls_to_a_modality(self):
        # WORKSTATION's storescp accepts TLS with a certificate only: Orthanc's C-STORE SCU ("UseDicomTls": true)
        # presents DicomTlsCertificate and checks the storescp's against DicomTlsTrustedCertificates.
        for name in os.listdir(self.received):
            os.remove(os.path.join(self.received, name))
        instance = self.server.instance_id_of(dicom_tag(self.study_file, "0008,0018"))
        answer = self.server.post("/modalities/workstation/store", {"Resources": [instance], "Synchronous": True})
        self.assertEqual(answer["InstancesCount"], 1, answer)
        self.assertEqual(len(os.listdir(self.received)), 1)

    def test_storescu_over_tls_stores(self):
        path = self.uncompressed("tls-store", patient_id="SEC-TLS")
        result = self.dicom("storescu", "MODALITY", files=[path])
        self.assertEqual(result.returncode, 0, result)
        sop = dicom_tag(path, "0008,0018")
        instance = self.server.instance_id_of(sop)
        self.assertIsNotNone(instance)
        self.assertIn(instance, self.server.get("/instances"))


class DimsePermissionsTest(ServerTest, PermissionChecks):
    """The hardened DICOM permissions without TLS, so that DCMTK's getscu and movescu can take part: every operation
    for every calling AE title."""
    with_tls = False
    name = "plain"
    OPERATIONS = OPERATIONS


@unittest.skipUnless(st.civetweb_needs_shim(), "this civetweb and OpenSSL agree on SSL_get_peer_certificate")
class CivetwebOpenSsl3Test(unittest.TestCase):
    """Why the HTTPS server above runs with security_tools.civetweb_shim (docs/tls.md, "Known limits"): without it,
    Debian 12's Orthanc 1.10.1 dies of SIGSEGV on the first HTTPS connection. When Debian fixes civetweb, this test
    is skipped and the shim is no longer used."""

    def test_first_https_connection_kills_orthanc_without_the_shim(self):
        tmp = tempfile.mkdtemp(prefix="va-sectest-noshim-")
        try:
            pki = st.Pki(os.path.join(tmp, "pki"))
            server = OrthancServer({"AutoArchive": False}, name="sec-noshim", scheme="https",
                                   ssl_context=ssl.create_default_context(cafile=pki.ca),
                                   orthanc={"SslEnabled": True, "SslCertificate": pki.server_pem,
                                            "DicomServerEnabled": False})
            try:
                with self.assertRaises(RuntimeError) as e:
                    server.start(timeout=30)  # its first poll of /system is the first HTTPS connection
                self.assertIn("Orthanc exited with -11", str(e.exception))  # SIGSEGV
            finally:
                server.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
