// Uploads one file with the off-the-shelf tus-js-client, as a recorder would, and reports events as JSON lines.
// Usage: node tus-upload.cjs ENDPOINT FILE METADATA_JSON [--chunk BYTES] [--delay MS] [--resume URL]
//                            [--stop-at FRACTION]
// --stop-at aborts the upload (like a recorder losing its link) once that fraction was accepted; exit code 3.
const fs = require('fs');
const tus = require('tus-js-client');

const [endpoint, file, metadataJson, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = rest[i + 1];
const say = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const size = fs.statSync(file).size;
const delay = Number(opt.delay || 0);
const stopAt = opt['stop-at'] ? Number(opt['stop-at']) : null;

const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadUrl: opt.resume || null,
  uploadSize: size,
  chunkSize: Number(opt.chunk || 1 << 20),
  metadata: JSON.parse(metadataJson),
  // Keeps retrying while the server restarts (nginx answers 502 meanwhile).
  retryDelays: [0, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000, 5000],
  onBeforeRequest: async (req) => {
    if (req.getMethod() === 'PATCH' && delay > 0) await sleep(delay);
  },
  onAfterResponse: (req, res) => {
    if (req.getMethod() === 'POST') say({ event: 'created', url: res.getHeader('Location') });
  },
  onChunkComplete: (chunk, accepted, total) => {
    say({ event: 'progress', accepted, total, url: upload.url });
    if (stopAt !== null && accepted >= stopAt * total && accepted < total) {
      upload.abort(false).then(() => {
        say({ event: 'aborted', accepted, url: upload.url });
        process.exit(3);
      });
    }
  },
  onError: (error) => {
    say({ event: 'error', message: String(error) });
    process.exit(1);
  },
  onSuccess: () => {
    say({ event: 'done', url: upload.url });
    process.exit(0);
  },
});
upload.start();
