// A DIMSE client for the conformance suite, built only on the off-the-shelf dcmjs-dimse package.
// Usage: node dimse.cjs <command> --host H --port P --called AET --calling AET [options]
//   echo
//   store FILE...
//   find --level PATIENT|STUDY|SERIES|IMAGE [--model study|patient] [--key Keyword=value]...
//   get --study UID --out DIR
//   move --study UID --dest AET --listen-port N --out DIR
// Prints exactly one JSON object on stdout; exits 0 only when ok. Each operation times out after 60 s
// without progress (--timeout SECONDS to change it).
const fs = require('fs');
const net = require('net');
const path = require('path');

const { parseArgs, required } = require('./cli.cjs');

// The suite's npm dependencies live with the integration tests' JavaScript clients.
const dimse = require(path.join(__dirname, '../../tests/integration/js/node_modules/dcmjs-dimse'));

const { Client, Scp, log } = dimse;
const { CEchoRequest, CFindRequest, CStoreRequest, CGetRequest, CMoveRequest } = dimse.requests;
const { CStoreResponse, CEchoResponse } = dimse.responses;
const { PresentationContext } = dimse.association;
const { Status, SopClass, StorageClass, TransferSyntax, PresentationContextResult } = dimse.constants;

const NATIVE_SYNTAXES = [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian];
// MPEG-2 MP@ML / MP@HL, H.264 (4 variants + stereo), HEVC Main / Main 10: the DICOM video transfer syntaxes.
const VIDEO_SYNTAXES = ['100', '101', '102', '103', '104', '105', '106', '107', '108']
  .map((n) => `1.2.840.10008.1.2.4.${n}`);
const VIDEO_SOP_CLASSES = [
  StorageClass.VideoEndoscopicImageStorage,
  StorageClass.VideoMicroscopicImageStorage,
  StorageClass.VideoPhotographicImageStorage,
];
const PENDING = [0xff00, 0xff01];
const PATIENT_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.1.1'; // not among the library's constants

// The library logs through loglevel, partly onto stdout; keep stdout for our JSON and remember its errors, the
// only trace of a request it skipped (no accepted presentation context, failed transcoding).
// DIMSE_LOG=1 sends the library's whole log to stderr for debugging.
const libraryErrors = [];
for (const level of ['trace', 'debug', 'info', 'warn', 'error']) {
  log[level] = (...args) => {
    if (level === 'error') libraryErrors.push(args.join(' '));
    if (process.env.DIMSE_LOG) process.stderr.write(`[dcmjs-dimse ${level}] ${args.join(' ')}\n`);
  };
}

// Runs requests on one association; resolves when the association is closed (released, rejected, aborted
// or timed out). `progress()` re-arms the inactivity timer; `setup(client)` adds contexts and handlers.
function runAssociation(opts, requests, setup) {
  return new Promise((resolve) => {
    const timeoutMs = 1000 * Number(opts.timeout || 60);
    const client = new Client();
    const outcome = { association: null, error: null };
    let timer = null;
    const finish = () => {
      clearTimeout(timer);
      resolve(outcome);
    };
    // The library neither closes the socket after an A-ABORT nor on our own timeout: close it ourselves.
    const closeNow = (error) => {
      outcome.error = outcome.error || error;
      if (client.network) client.network.socket.destroy();
      setTimeout(finish, 1000); // 'closed' normally comes first
    };
    const progress = () => {
      clearTimeout(timer);
      timer = setTimeout(() => closeNow(`timed out after ${timeoutMs / 1000} s without progress`), timeoutMs);
    };
    requests.forEach((request) => {
      request.on('response', progress);
      client.addRequest(request);
    });
    if (setup) setup(client, progress);
    client.on('associationAccepted', (association) => {
      outcome.association = association;
      progress();
    });
    client.on('associationRejected', (reject) => {
      outcome.error = `association rejected: ${reject.toString()}`;
    });
    client.on('networkError', (e) => {
      outcome.error = outcome.error || `network error: ${e && e.message ? e.message : e}`;
    });
    client.on('closed', finish);
    progress();
    client.send(opts.host, Number(opts.port), opts.calling, opts.called, {
      connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs,
    });
    client.network.on('abort', ({ source, reason }) => {
      closeNow(`association aborted by the peer (source ${source}, reason ${reason})`);
    });
  });
}

function associationError(outcome, fallback) {
  return outcome.error || (libraryErrors.length ? libraryErrors.join('; ') : fallback);
}

async function echo(opts) {
  const request = new CEchoRequest();
  let status = null;
  request.on('response', (response) => { status = response.getStatus(); });
  const outcome = await runAssociation(opts, [request]);
  const ok = status === Status.Success;
  return ok ? { ok, status } : { ok, status, error: associationError(outcome, 'no C-ECHO response') };
}

async function store(opts) {
  const files = opts.positional;
  if (files.length === 0) throw new Error('store needs at least one FILE');
  const results = [];
  const requests = [];
  for (const file of files) {
    const result = { file, sopInstanceUid: null, transferSyntax: null, status: null, error: null };
    results.push(result);
    try {
      const request = new CStoreRequest(file); // reads the header now, the rest when sending
      result.sopInstanceUid = request.getAffectedSopInstanceUid();
      request.on('response', (response) => {
        result.status = response.getStatus();
        if (result.status !== Status.Success) {
          result.error = response.getErrorComment() || `status 0x${result.status.toString(16)}`;
        }
      });
      request.result = result;
      requests.push(request);
    } catch (e) {
      result.error = `cannot read ${file}: ${e.message}`;
    }
  }
  let outcome = { error: null };
  if (requests.length) {
    outcome = await runAssociation(opts, requests, (client) => {
      // The library gives a compressed file a context of its own but pools native ones into one context per SOP
      // class, and when that context's syntax is not the file's it sends on the SOP class's last accepted context
      // (maybe a compressed one), transcoding. One context per (SOP class, native syntax) keeps every file as is.
      const pairs = new Set();
      for (const request of requests) {
        const syntax = request.getDataset().getTransferSyntaxUid();
        const pair = `${request.getAffectedSopClassUid()} ${syntax}`;
        if (NATIVE_SYNTAXES.includes(syntax) && !pairs.has(pair)) {
          pairs.add(pair);
          client.addAdditionalPresentationContext(
            new PresentationContext(0, request.getAffectedSopClassUid(), syntax), true);
        }
      }
      // Which context (and so which transfer syntax) the library will send each instance with.
      client.on('associationAccepted', (association) => {
        requests.forEach((request) => {
          const context = association.getAcceptedPresentationContextFromRequest(request);
          request.result.transferSyntax = context ? context.getAcceptedTransferSyntaxUid() : null;
        });
      });
    });
  }
  for (const result of results) {
    if (result.status === null && !result.error) {
      result.error = result.transferSyntax === null && !outcome.error
        ? 'no presentation context accepted for this SOP class / transfer syntax'
        : associationError(outcome, 'no C-STORE response');
    }
  }
  const ok = results.every((r) => r.status === Status.Success);
  const out = { ok, results };
  if (!ok) out.error = outcome.error || results.find((r) => r.error).error;
  return out;
}

// dcmjs-dimse gives naturalized values: person names as [{Alphabetic: ...}], multi-values as arrays.
function plainValue(value) {
  if (Array.isArray(value)) {
    const values = value.map(plainValue);
    return values.length === 1 ? values[0] : values;
  }
  if (value && typeof value === 'object' && 'Alphabetic' in value) return value.Alphabetic;
  return value;
}

const LEVEL_KEYS = {
  PATIENT: 'PatientID', STUDY: 'StudyInstanceUID', SERIES: 'SeriesInstanceUID', IMAGE: 'SOPInstanceUID',
};

async function find(opts) {
  required(opts, 'level');
  const level = opts.level.toUpperCase();
  if (!LEVEL_KEYS[level]) throw new Error(`--level must be one of ${Object.keys(LEVEL_KEYS).join(', ')}`);
  const model = (opts.model || (level === 'PATIENT' ? 'patient' : 'study')).toLowerCase();
  const keys = { [LEVEL_KEYS[level]]: '' }; // always ask for the level's unique key
  for (const key of opts.key) {
    const eq = key.indexOf('=');
    if (eq <= 0) throw new Error(`--key needs Keyword=value, got ${key}`);
    keys[key.slice(0, eq)] = key.slice(eq + 1);
  }
  keys.QueryRetrieveLevel = level;
  const request = new CFindRequest();
  request.setAffectedSopClassUid(
    model === 'patient' ? PATIENT_ROOT_FIND : SopClass.StudyRootQueryRetrieveInformationModelFind);
  request.setDataset(new dimse.Dataset(keys));
  const matches = [];
  let status = null;
  request.on('response', (response) => {
    status = response.getStatus();
    if (PENDING.includes(status) && response.hasDataset()) {
      const match = {};
      for (const [k, v] of Object.entries(response.getDataset().getElements())) {
        if (!k.startsWith('_')) match[k] = plainValue(v);
      }
      matches.push(match);
    }
  });
  const outcome = await runAssociation(opts, [request]);
  const ok = status === Status.Success;
  const out = { ok, status, matches };
  if (!ok) out.error = status !== null && !PENDING.includes(status)
    ? `C-FIND failed with status 0x${status.toString(16)}` : associationError(outcome, 'no final C-FIND response');
  return out;
}

// Writes a received instance as a Part 10 file and answers the C-STORE.
function receiveInstance(request, outDir, received) {
  const dataset = request.getDataset();
  const sopInstanceUid = dataset.getElement('SOPInstanceUID') || request.getAffectedSopInstanceUid();
  const entry = {
    sopInstanceUid,
    sopClassUid: dataset.getElement('SOPClassUID') || request.getAffectedSopClassUid(),
    transferSyntax: dataset.getTransferSyntaxUid(),
    file: path.join(outDir, `${sopInstanceUid}.dcm`),
  };
  const response = CStoreResponse.fromRequest(request);
  try {
    dataset.toFile(entry.file);
    received.push(entry);
    response.setStatus(Status.Success);
  } catch (e) {
    entry.error = e.message;
    received.push(entry);
    response.setStatus(0xa700); // Out of resources: we could not keep it
  }
  return response;
}

function retrieveResult(status, counts, received, outcome, what) {
  const failed = received.filter((r) => r.error);
  const ok = status === Status.Success && failed.length === 0 && !outcome.error;
  const out = { ok, status, ...counts, received };
  if (!ok) {
    out.error = failed.length ? `could not write ${failed.map((r) => r.sopInstanceUid).join(', ')}`
      : status !== null && !PENDING.includes(status) ? `${what} failed with status 0x${status.toString(16)}`
        : associationError(outcome, `no final ${what} response`);
  }
  return out;
}

function countsOf(response) {
  return {
    completed: response.getCompleted(), failed: response.getFailures(), warnings: response.getWarnings(),
  };
}

async function get(opts) {
  required(opts, 'study', 'out');
  fs.mkdirSync(opts.out, { recursive: true });
  const request = CGetRequest.createStudyGetRequest(opts.study);
  // The library proposes every storage SOP class it knows with the SCP role and the native syntaxes; video
  // instances travel in their own syntax, so each (video SOP class, video syntax) pair gets its own context
  // and the SCP picks the one matching what it stored. The SCP role item is per SOP class, so it covers these.
  request.setAddStorageSopClassesToAssociation(true);
  const received = [];
  let status = null;
  let counts = {};
  request.on('response', (response) => {
    status = response.getStatus();
    counts = countsOf(response);
  });
  const outcome = await runAssociation(opts, [request], (client, progress) => {
    for (const sopClass of VIDEO_SOP_CLASSES) {
      for (const syntax of VIDEO_SYNTAXES) {
        client.addAdditionalPresentationContext(new PresentationContext(0, sopClass, syntax), true);
      }
    }
    client.on('cStoreRequest', (storeRequest, callback) => {
      progress();
      callback(receiveInstance(storeRequest, opts.out, received));
    });
  });
  return retrieveResult(status, counts, received, outcome, 'C-GET');
}

// A storage SCP for C-MOVE sub-operations: accepts every SOP class the mover proposes in a video or native syntax
// (the mover chooses among its contexts, so instances arrive as stored) and writes them into the output folder.
function makeStoreScp(aet, outDir, received, progress) {
  const acceptable = new Set([...VIDEO_SYNTAXES, ...NATIVE_SYNTAXES]);
  return class StoreScp extends Scp {
    associationRequested(association) {
      this.association = association;
      if (association.getCalledAeTitle().trim() !== aet) {
        this.sendAssociationReject(1, 1, 7); // permanent, service user, called AE title not recognized
        return;
      }
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        const abstract = context.getAbstractSyntaxUid();
        const syntax = context.getTransferSyntaxUids().find((ts) => acceptable.has(ts));
        if (abstract === SopClass.Verification) {
          context.setResult(PresentationContextResult.Accept, TransferSyntax.ImplicitVRLittleEndian);
        } else if (syntax) {
          context.setResult(PresentationContextResult.Accept, syntax);
        } else {
          context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        }
      }
      this.sendAssociationAccept();
    }

    associationReleaseRequested() {
      this.sendAssociationReleaseResponse();
    }

    cEchoRequest(request, callback) {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    cStoreRequest(request, callback) {
      progress();
      callback(receiveInstance(request, outDir, received));
    }
  };
}

async function move(opts) {
  required(opts, 'study', 'dest', 'listen-port', 'out');
  fs.mkdirSync(opts.out, { recursive: true });
  const received = [];
  let progressHook = () => {};
  const StoreScp = makeStoreScp(opts.dest, opts.out, received, () => progressHook());
  const sockets = new Set();
  // Our own listener (the library's Server binds every interface): one library Scp per connection.
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const timeoutMs = 1000 * Number(opts.timeout || 60);
    const scp = new StoreScp(socket, { associationTimeout: timeoutMs, pduTimeout: timeoutMs });
    scp.on('networkError', () => socket.end());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(opts['listen-port']), '127.0.0.1', resolve);
  });
  try {
    const request = CMoveRequest.createStudyMoveRequest(opts.dest, opts.study);
    let status = null;
    let counts = {};
    request.on('response', (response) => {
      status = response.getStatus();
      counts = countsOf(response);
    });
    const outcome = await runAssociation(opts, [request], (client, progress) => { progressHook = progress; });
    // The mover may still be finishing its storage association when the final response arrives.
    const deadline = Date.now() + 10000;
    while ((sockets.size > 0 || received.length < (counts.completed || 0)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return retrieveResult(status, counts, received, outcome, 'C-MOVE');
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  }
}

const COMMANDS = { echo, store, find, get, move };

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!COMMANDS[command]) {
    throw new Error(`usage: node dimse.cjs ${Object.keys(COMMANDS).join('|')} --host H --port P --called AET `
      + '--calling AET ...');
  }
  const opts = parseArgs(rest, ['key']);
  required(opts, 'host', 'port', 'called', 'calling');
  return COMMANDS[command](opts);
}

main()
  .catch((e) => ({ ok: false, error: e && e.message ? e.message : String(e) }))
  .then((result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(result.ok ? 0 : 1);
  });
