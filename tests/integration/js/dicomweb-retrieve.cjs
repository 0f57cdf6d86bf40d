// Retrieves one instance with the off-the-shelf dicomweb-client (DICOMwebClient, as OHIF and other viewers use it)
// and writes what it got to a file; prints one JSON line {ok, what, url, status, contentType, size, parts, error}.
// Usage: node dicomweb-retrieve.cjs ROOT STUDY SERIES INSTANCE WHAT OUTFILE
//   WHAT: rendered-video  retrieveInstanceRendered, media type video/mp4 (the bytes of the MP4)
//         thumbnail       retrieveInstanceThumbnail, media type image/jpeg
//         rendered-image  retrieveInstanceRendered, media type image/jpeg
//         instance        retrieveInstance (multipart/related; type="application/dicom": the Part 10 file)
//         metadata        retrieveInstanceMetadata (the DICOM JSON, written as JSON)
// dicomweb-client speaks XMLHttpRequest; in Node that is the xhr2 package's implementation. Exit 0 only when ok.
const fs = require('fs');
global.XMLHttpRequest = require('xhr2');
const { api } = require('dicomweb-client');

const [root, study, series, instance, what, outfile] = process.argv.slice(2);
const result = {
  ok: false, what, url: null, accept: null, status: null, contentType: null, size: null, parts: null, error: null,
};
let lastRequest = null;

const client = new api.DICOMwebClient({
  url: root,
  verbose: false,
  // Keeps the request to read its status and Content-Type (the client returns only the body).
  requestHooks: [(request, metadata) => {
    lastRequest = request;
    result.url = metadata.url;
    result.accept = metadata.headers.Accept || null;
    return request;
  }],
});
const ids = { studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: instance };

const retrievals = {
  'rendered-video': () => client.retrieveInstanceRendered({ ...ids, mediaTypes: [{ mediaType: 'video/mp4' }] }),
  'rendered-image': () => client.retrieveInstanceRendered({ ...ids, mediaTypes: [{ mediaType: 'image/jpeg' }] }),
  thumbnail: () => client.retrieveInstanceThumbnail({ ...ids, mediaTypes: [{ mediaType: 'image/jpeg' }] }),
  instance: () => client.retrieveInstance(ids),
  metadata: () => client.retrieveInstanceMetadata(ids),
};

// The client resolves with an ArrayBuffer, an array of them (one per multipart part) or parsed JSON.
function bytesOf(body) {
  const parts = Array.isArray(body) && body.every((p) => p instanceof ArrayBuffer || ArrayBuffer.isView(p)) ? body
    : body instanceof ArrayBuffer || ArrayBuffer.isView(body) ? [body] : null;
  if (!parts) return null;
  result.parts = parts.length;
  if (parts.length !== 1) throw new Error(`expected one part, got ${parts.length}`);
  return Buffer.from(parts[0] instanceof ArrayBuffer ? new Uint8Array(parts[0]) : parts[0]);
}

async function main() {
  if (!outfile) throw new Error('usage: node dicomweb-retrieve.cjs ROOT STUDY SERIES INSTANCE WHAT OUTFILE');
  if (!retrievals[what]) throw new Error(`unknown WHAT ${what}: one of ${Object.keys(retrievals).join(', ')}`);
  const body = await retrievals[what]();
  const bytes = bytesOf(body) || Buffer.from(JSON.stringify(body));
  fs.writeFileSync(outfile, bytes);
  result.size = bytes.length;
  result.ok = result.size > 0;
  if (!result.ok) result.error = 'empty response';
}

main()
  .catch((e) => {
    result.error = e && e.message ? e.message : String(e);
    if (e && e.status !== undefined) {
      const text = e.response instanceof ArrayBuffer ? Buffer.from(e.response).toString() : e.response;
      result.error += ` (HTTP ${e.status}${text ? ': ' + String(text).slice(0, 300) : ''})`;
    }
  })
  .finally(() => {
    if (lastRequest && lastRequest.readyState === 4) {
      result.status = lastRequest.status;
      result.contentType = lastRequest.getResponseHeader('Content-Type');
    }
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(result.ok ? 0 : 1);
  });
