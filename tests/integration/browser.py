"""A person's view of the archive: a real browser (Debian's Chromium, headless, driven by js/play-in-chromium.cjs)
watching recordings in the plugin's player page, and a real viewer-side DICOMweb client (dicomweb-client,
js/dicomweb-retrieve.cjs). Each call runs node once and returns the script's JSON line as a dict."""
import json
import os
import subprocess
import urllib.parse

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


class BrowserCheckFailed(AssertionError):
    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


def player_url(base, media_url):
    """The player page for one MP4 or HLS playlist URL, e.g. player_url(orthanc.url, f"{orthanc.url}/...m3u8")."""
    return f"{base}/video-archive/player?src={urllib.parse.quote(media_url, safe='')}"


def _run_node(script, args, timeout):
    cmd = ["node", os.path.join(JS_DIR, script), *[str(a) for a in args]]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BrowserCheckFailed(f"{script} did not finish in {timeout} s: {e.stdout!r} {e.stderr!r}", None) from e
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    result = None
    if lines:
        try:
            result = json.loads(lines[-1])
        except ValueError:
            pass
    if proc.returncode != 0 or not result or not result.get("ok"):
        raise BrowserCheckFailed(
            f"{script} {' '.join(str(a) for a in args)} failed ({proc.returncode}): "
            f"{result.get('error') if result else 'no result'}\nstdout: {proc.stdout}\nstderr: {proc.stderr[-3000:]}",
            result)
    return result


def play_in_chromium(page_url, seek_fraction=0.8, timeout_s=90, screenshot=None):
    """Opens page_url in headless Chromium, waits until its <video> plays, seeks to seek_fraction of the duration
    and waits until it plays on from there. Returns the result (duration, startAdvancedTo, seekTarget, seekedAt,
    afterSeek, videoWidth, videoHeight, framesDecoded, codecsSeen, decoders, mode, warnings, ...); raises
    BrowserCheckFailed with the JSON and the output when the video did not play, did not seek, or any error
    (MediaError, hls.js fatal error, HTTP >= 400, console error) was seen. screenshot: a PNG path, taken at the end."""
    args = [page_url, "--seek-fraction", seek_fraction, "--timeout-ms", int(timeout_s * 1000)]
    if screenshot:
        args += ["--screenshot", screenshot]
    return _run_node("play-in-chromium.cjs", args, timeout_s + 30)


def dicomweb_retrieve(root, study, series, instance, what, outfile, timeout_s=120):
    """Retrieves with dicomweb-client; what: rendered-video | rendered-image | thumbnail | instance | metadata.
    Writes the body (the single part of a multipart answer; JSON for metadata) to outfile; returns the result
    (url, accept, status, contentType, size, parts); raises BrowserCheckFailed on an HTTP error or an empty body."""
    return _run_node("dicomweb-retrieve.cjs", [root, study, series, instance, what, outfile], timeout_s)
