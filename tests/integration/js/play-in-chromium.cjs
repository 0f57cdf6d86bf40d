// Opens a player page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core), as a person would:
// waits until its <video> plays (media time advances by >= 0.5 s), seeks to a fraction of the duration, waits for
// 'seeked' and for playback to advance >= 0.5 s past the seek point, with video frames decoded in both phases (a
// video track Chromium cannot decode, e.g. HEVC, leaves the audio playing alone: that is a failure here).
// Prints one JSON line; exit 0 only when ok.
// Usage: node play-in-chromium.cjs PAGE_URL [--seek-fraction 0.8] [--timeout-ms 60000] [--seek-tolerance 1.0]
//                                  [--screenshot FILE.png]
// Errors reported (any of them makes ok false): the video's MediaError, window.playerState.error (hls.js fatal
// errors; see orthanc-plugin/assets/player.html), uncaught page exceptions, console errors, HTTP responses >= 400
// and failed requests (except those Chromium aborts itself, as it does when seeking).
// CHROMIUM=/path overrides the browser.
const { chromium } = require('playwright-core');

const [pageUrl, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = rest[i + 1];
const seekFraction = Number(opt['seek-fraction'] ?? 0.8);
const timeoutMs = Number(opt['timeout-ms'] ?? 60000);
const seekTolerance = Number(opt['seek-tolerance'] ?? 1.0);
const ADVANCE = 0.5;

const started = Date.now();
const deadline = started + timeoutMs;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const result = {
  ok: false, url: pageUrl, duration: null, startAdvancedTo: null, seekTarget: null, seekedAt: null, afterSeek: null,
  videoWidth: 0, videoHeight: 0, framesDecoded: 0, framesDropped: 0, mode: null, codecsSeen: [], decoders: [],
  error: null, errors: [], warnings: [], launchMs: null, elapsedMs: null,
};
const addCodec = (list, c) => { if (c && !list.includes(c)) list.push(c); };
let s = null; // the page's last polled state

async function main() {
  if (!pageUrl) throw new Error('usage: node play-in-chromium.cjs PAGE_URL [--seek-fraction F] [--timeout-ms N]');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: timeoutMs,
    // --no-sandbox: the tests run as root, where Chromium refuses to start with its sandbox.
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-dev-shm-usage',
      '--mute-audio', '--no-first-run', '--disable-gpu'],
  });
  result.launchMs = Date.now() - started;
  try {
    await run(browser);
  } finally {
    await browser.close().catch(() => {});
  }
}

async function run(browser) {
  const page = await browser.newPage();
  try {
    await watch(page);
  } finally {
    if (opt.screenshot) await page.screenshot({ path: opt.screenshot }).catch(() => {}); // on failure too
  }
}

async function watch(page) {
  page.on('console', (m) => { if (m.type() === 'error') result.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => result.errors.push(`page exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure() ? r.failure().errorText : '?';
    if (why !== 'net::ERR_ABORTED') result.errors.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) result.errors.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  // Chromium's media pipeline reports the demuxed tracks' codecs, its decoders and its errors over CDP.
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Media.playerPropertiesChanged', ({ properties }) => {
    for (const { name, value } of properties) {
      if (name === 'kVideoDecoderName' || name === 'kAudioDecoderName') addCodec(result.decoders, value);
      if (name === 'kVideoTracks' || name === 'kAudioTracks') {
        try {
          for (const t of JSON.parse(value)) addCodec(result.codecsSeen, t.codec);
        } catch (e) { /* not JSON in this Chromium version */ }
      }
    }
  });
  cdp.on('Media.playerMessagesLogged', ({ messages }) => {
    for (const m of messages) if (m.level === 'error') result.warnings.push(`media pipeline: ${m.message}`);
  });
  cdp.on('Media.playerErrorsRaised', ({ errors }) => {
    for (const e of errors) {
      result.warnings.push(`media pipeline: ${e.errorType} ${e.code} ${JSON.stringify(e.data || {})}`);
    }
  });
  await cdp.send('Media.enable').catch(() => {});

  await page.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: Math.max(1000, deadline - Date.now()) });
  const probe = () => page.evaluate(() => {
    const v = document.querySelector('video');
    if (!v) return null;
    const ps = window.playerState || {};
    return {
      t: v.currentTime, duration: v.duration, paused: v.paused, ended: v.ended, readyState: v.readyState,
      seeked: !!window.__seeked, seekedAt: window.__seekedAt ?? null, w: v.videoWidth, h: v.videoHeight,
      frames: v.getVideoPlaybackQuality().totalVideoFrames, dropped: v.getVideoPlaybackQuality().droppedVideoFrames,
      mediaError: v.error ? `MediaError ${v.error.code}${v.error.message ? ': ' + v.error.message : ''}` : null,
      playerError: ps.error || null, mode: ps.mode || null, codecs: ps.codecs || null, warnings: ps.warnings || [],
    };
  });
  const check = (what) => {
    if (s) {
      if (s.mediaError) throw new Error(s.mediaError);
      if (s.playerError) throw new Error(`player: ${s.playerError}`);
    }
    if (result.errors.length) throw new Error(result.errors[0]);
    if (Date.now() > deadline) {
      throw new Error(`timeout after ${timeoutMs} ms waiting for ${what}; last state ${JSON.stringify(s)}`);
    }
  };
  // Waits until cond(state) holds, polling the page.
  const until = async (what, cond) => {
    for (;;) {
      s = await probe();
      check(what);
      if (s && cond(s)) return s;
      await sleep(100);
    }
  };

  // 1. Plays from the start.
  const first = await until('the <video> to load', (x) => x.readyState >= 1);
  const t0 = first.t;
  let nudged = false;
  await until(`playback to advance ${ADVANCE} s`, (x) => {
    if (x.paused && !nudged && x.readyState >= 2) {
      nudged = true; // autoplay refused: press play once
      page.evaluate(() => document.querySelector('video').play().catch(() => {})).catch(() => {});
    }
    return x.t >= t0 + ADVANCE;
  });
  result.startAdvancedTo = s.t;
  if (!(s.w > 0 && s.h > 0 && s.frames > 0)) {
    throw new Error(`media time advances but no video frame was decoded (${s.w}x${s.h}, ${s.frames} frames, ` +
      `decoders: ${result.decoders.join(', ') || 'none'}; an unsupported video codec?)`);
  }
  await until('a finite duration', (x) => isFinite(x.duration) && x.duration > 0);
  result.duration = s.duration;

  // 2. Seeks and plays on from there.
  const target = seekFraction * s.duration;
  result.seekTarget = target;
  await page.evaluate((to) => {
    const v = document.querySelector('video');
    window.__seeked = false;
    v.addEventListener('seeked', () => { window.__seeked = true; window.__seekedAt = v.currentTime; }, { once: true });
    v.currentTime = to;
    if (v.paused) v.play().catch(() => {});
  }, target);
  await until("'seeked'", (x) => x.seeked);
  result.seekedAt = s.seekedAt;
  const framesAtSeek = s.frames;
  if (Math.abs(s.seekedAt - target) > seekTolerance) {
    throw new Error(`seek to ${target} landed at ${s.seekedAt}`);
  }
  const goal = Math.min(target + ADVANCE, s.duration);
  await until(`playback to advance ${ADVANCE} s past the seek point`, (x) => x.t >= goal || (x.ended && x.t >= target));
  result.afterSeek = s.t;
  if (s.frames <= framesAtSeek) throw new Error('no video frame decoded after the seek');
  result.ok = true;
}

function finish() {
  if (s) { // the page's last state, whatever happened
    result.videoWidth = s.w;
    result.videoHeight = s.h;
    result.framesDecoded = s.frames;
    result.framesDropped = s.dropped;
    result.mode = s.mode;
    for (const c of s.codecs || []) addCodec(result.codecsSeen, c);
    result.warnings.push(...s.warnings.map((w) => `player: ${w}`));
  }
  result.elapsedMs = Date.now() - started;
  result.ok = result.ok && result.errors.length === 0;
  if (!result.ok && !result.error) result.error = result.errors[0] || 'unknown failure';
  if (result.error) result.error = result.error.replace(/\u001b\[[0-9;]*m/g, ''); // playwright's colours
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.ok ? 0 : 1);
}

main()
  .catch((e) => { result.error = String(e && e.message ? e.message : e); })
  .finally(finish);
