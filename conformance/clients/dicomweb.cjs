// A DICOMweb client for the conformance suite, built only on the off-the-shelf dicomweb-client package
// (api.DICOMwebClient, as OHIF and other viewers use it; in Node its XMLHttpRequest is the xhr2 package's).
// Usage: node dicomweb.cjs <command> --url http://127.0.0.1:8042/dicom-web [options]
//   qido-studies [--filter Keyword=value]...
//   qido-series --study UID
//   qido-instances --study UID [--series UID]
//   metadata --study UID [--series UID [--instance UID]]
//   retrieve-instance --study UID --series UID --instance UID --out FILE [--transfer-syntax UID|*]
//   stow FILE...
// Prints exactly one JSON object on stdout (with the HTTP status of the last request); exits 0 only when ok.
// Each request times out after 60 s (--timeout SECONDS to change it).
const fs = require('fs');
const path = require('path');

const { parseArgs, required } = require('./cli.cjs');

// The suite's npm dependencies live with the integration tests' JavaScript clients.
const modules = path.join(__dirname, '../../tests/integration/js/node_modules');
global.XMLHttpRequest = require(path.join(modules, 'xhr2'));
const { api } = require(path.join(modules, 'dicomweb-client'));

const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_INSTANCE_UID = '00081155';

// The HTTP status of the last request, kept through the client's request hook (it returns only bodies).
let lastRequest = null;

function makeClient(opts) {
  return new api.DICOMwebClient({
    url: opts.url,
    verbose: false,
    // The client rejects hooks that do not take (request, metadata).
    requestHooks: [(request, _metadata) => {
      lastRequest = request;
      return request;
    }],
  });
}

// The client's promise never settles if the server stalls; give up (and abort the request) after the timeout.
function withTimeout(promise, opts) {
  const ms = 1000 * Number(opts.timeout || 60);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      if (lastRequest) lastRequest.abort();
      reject(new Error(`timed out after ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function textOf(body) {
  if (body === null || body === undefined) return '';
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return Buffer.from(body).toString();
  return typeof body === 'string' ? body : JSON.stringify(body);
}

// QIDO and metadata answers come back parsed; an empty answer (204) comes back as [].
function jsonArray(body) {
  const value = typeof body === 'string' ? (body.trim() ? JSON.parse(body) : []) : body;
  if (!Array.isArray(value)) throw new Error(`expected a JSON array, got ${textOf(value).slice(0, 200)}`);
  return value;
}

function uidsIn(response, sequence) {
  const items = (response && response[sequence] && response[sequence].Value) || [];
  return items.map((item) => {
    const uid = item[REFERENCED_SOP_INSTANCE_UID];
    return uid && uid.Value ? uid.Value[0] : null;
  });
}

function filters(opts) {
  const params = {};
  for (const filter of opts.filter) {
    const eq = filter.indexOf('=');
    if (eq <= 0) throw new Error(`--filter needs Keyword=value, got ${filter}`);
    params[filter.slice(0, eq)] = filter.slice(eq + 1);
  }
  return params;
}

const COMMANDS = {
  async 'qido-studies'(client, opts) {
    const queryParams = filters(opts);
    const options = Object.keys(queryParams).length ? { queryParams } : {};
    const body = await withTimeout(client.searchForStudies(options), opts);
    return { ok: true, results: jsonArray(body) };
  },

  async 'qido-series'(client, opts) {
    required(opts, 'study');
    const body = await withTimeout(client.searchForSeries({ studyInstanceUID: opts.study }), opts);
    return { ok: true, results: jsonArray(body) };
  },

  async 'qido-instances'(client, opts) {
    required(opts, 'study');
    const ids = { studyInstanceUID: opts.study };
    if (opts.series) ids.seriesInstanceUID = opts.series;
    const body = await withTimeout(client.searchForInstances(ids), opts);
    return { ok: true, results: jsonArray(body) };
  },

  async metadata(client, opts) {
    required(opts, 'study');
    const ids = { studyInstanceUID: opts.study };
    let call = () => client.retrieveStudyMetadata(ids);
    if (opts.series) {
      ids.seriesInstanceUID = opts.series;
      call = () => client.retrieveSeriesMetadata(ids);
      if (opts.instance) {
        ids.sopInstanceUID = opts.instance;
        call = () => client.retrieveInstanceMetadata(ids);
      }
    } else if (opts.instance) {
      throw new Error('--instance needs --series');
    }
    const results = jsonArray(await withTimeout(call(), opts));
    return results.length ? { ok: true, results } : { ok: false, results, error: 'no metadata returned' };
  },

  async 'retrieve-instance'(client, opts) {
    required(opts, 'study', 'series', 'instance', 'out');
    const ids = { studyInstanceUID: opts.study, seriesInstanceUID: opts.series, sopInstanceUID: opts.instance };
    let call = () => client.retrieveInstance(ids); // no transfer-syntax parameter (PS3.18: Explicit VR LE)
    if (opts['transfer-syntax']) {
      // retrieveInstance({mediaTypes}) of 0.11.3 always throws ("Media type application/ is not supported"): its
      // media type check compares the bare type with "application/dicom". Call the method it would delegate to.
      // That method's own table knows the MPEG-2 and H.264 syntaxes and '*', not HEVC (.107/.108).
      const url = `${client.wadoURL}/studies/${opts.study}/series/${opts.series}/instances/${opts.instance}`;
      const mediaTypes = [{ mediaType: 'application/dicom', transferSyntaxUID: opts['transfer-syntax'] }];
      call = () => client._httpGetMultipartApplicationDicom(url, mediaTypes, false, {}).then((parts) => parts[0]);
    }
    const body = await withTimeout(call(), opts);
    // The multipart/related answer is decoded into its parts; both paths keep the first (the instance).
    const bytes = Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
    fs.writeFileSync(opts.out, bytes);
    const part10 = bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM';
    const out = { ok: part10, bytes: bytes.length, file: opts.out };
    if (!part10) out.error = 'the part is not a DICOM Part 10 file';
    return out;
  },

  async stow(client, opts) {
    const files = opts.positional;
    if (files.length === 0) throw new Error('stow needs at least one FILE');
    const datasets = files.map((file) => {
      const b = fs.readFileSync(file);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    });
    let body;
    let httpError = null;
    try {
      body = await withTimeout(client.storeInstances({ datasets }), opts);
    } catch (e) {
      if (e.status === undefined) throw e;
      body = e.response; // a refused STOW (e.g. 409) still carries its DICOM JSON answer
      httpError = e;
    }
    const text = textOf(body).trim();
    let response = null;
    try {
      response = text ? JSON.parse(text) : null;
    } catch (e) {
      response = null;
    }
    const stored = uidsIn(response, REFERENCED_SOP_SEQUENCE);
    const failed = uidsIn(response, FAILED_SOP_SEQUENCE);
    const ok = !httpError && failed.length === 0 && stored.length === files.length;
    const out = { ok, response, stored, failed };
    if (!ok) {
      out.error = httpError ? describe(httpError)
        : `stored ${stored.length} of ${files.length} instance(s), ${failed.length} failed`;
    }
    return out;
  },
};

function describe(e) {
  let message = e && e.message ? e.message : String(e);
  if (e && e.status !== undefined) {
    const text = textOf(e.response);
    message += ` (HTTP ${e.status}${text ? ': ' + text.slice(0, 300) : ''})`;
  }
  return message;
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!COMMANDS[command]) {
    throw new Error(`usage: node dicomweb.cjs ${Object.keys(COMMANDS).join('|')} --url URL ...`);
  }
  const opts = parseArgs(rest, ['filter']);
  required(opts, 'url');
  return COMMANDS[command](makeClient(opts), opts);
}

main()
  .catch((e) => ({ ok: false, error: describe(e) }))
  .then((result) => {
    result.httpStatus = lastRequest && lastRequest.readyState === 4 ? lastRequest.status : null;
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(result.ok ? 0 : 1);
  });
