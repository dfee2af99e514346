// Opt-in probe for `npm run bench -- --profile`, loaded into each Loom service with
// NODE_OPTIONS=--require (it changes no code of the platform). It counts, per process:
//   - MongoDB operations, by collection and driver method (mongodb's Collection.prototype, the
//     copies used by mongoose and by the root package), and the wire commands they send (the
//     driver's Connection.prototype.command: insert/update/findAndModify/find/getMore... by
//     collection, with documents written), each command a round trip;
//   - AMQP publishes (by exchange, routing key, confirmed or not, persistent or not), deliveries
//     (by queue), acks and nacks (by the queue of the message) (amqplib's Channel.prototype);
// and on SIGUSR2 toggles a window: the first one takes a "before" snapshot and starts the V8 CPU
// profiler (node:inspector), the second takes an "after" snapshot, stops the profiler and writes
// <dir>/<service>-<pid>.cpuprofile and <dir>/<service>-<pid>.io.json (BENCH_PROBE_DIR).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const dir = process.env.BENCH_PROBE_DIR;
const ns = process.env.LOOM_NAMESPACE || '';
const service = (/services[\\/]([^\\/]+)[\\/]src[\\/]main/.exec(process.argv.join(' ')) || [])[1] || path.basename(process.argv[1] || 'node');
const counts = { mongo: {}, commands: {}, commandDocs: {}, publish: {}, deliver: {}, acks: {}, nacks: {}, ack: 0, nack: 0 };
const inc = (o, k) => (o[k] = (o[k] || 0) + 1);
const norm = (s) => String(s).split(`${ns}.`).join('').replace(/bench\.t\d+/g, 'bench.t*');

function resolveFrom(request, from) {
  try {
    return require.resolve(request, { paths: [from] });
  } catch {
    return undefined;
  }
}
const root = path.resolve(__dirname, '..', '..');

// MongoDB: every copy of the driver reachable from the repository (mongoose has its own).
const mongoose = resolveFrom('mongoose/package.json', root);
const drivers = new Set([resolveFrom('mongodb', root), mongoose && resolveFrom('mongodb', path.dirname(mongoose))].filter(Boolean));
const METHODS = ['insertOne', 'insertMany', 'bulkWrite', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany',
  'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'find', 'findOne', 'countDocuments', 'estimatedDocumentCount',
  'distinct', 'aggregate', 'createIndex', 'createIndexes'];
let depth = 0; // a method that calls another one (findOne -> find) counts once
for (const file of drivers) {
  const { Collection } = require(file);
  for (const m of METHODS) {
    const orig = Collection.prototype[m];
    if (typeof orig !== 'function') continue;
    Collection.prototype[m] = function (...args) {
      if (depth === 0) inc(counts.mongo, `${this.collectionName}.${m}`);
      depth++;
      try {
        return orig.apply(this, args);
      } finally {
        depth--;
      }
    };
  }
}

// MongoDB wire commands: every command a driver connection sends (one round trip each), keyed by
// command name and collection, with the number of documents written for insert/update/delete
// (a batched insert is one command of many documents). The driver's monitoring handshakes
// (hello) are left out: they are the same whatever the workload.
const SKIP = new Set(['hello', 'ismaster', 'isMaster', 'saslStart', 'saslContinue', 'endSessions']);
for (const file of drivers) {
  const connFile = path.join(path.dirname(file), 'cmap', 'connection.js');
  if (!fs.existsSync(connFile)) continue;
  const { Connection } = require(connFile);
  const orig = Connection.prototype.command;
  if (typeof orig !== 'function') continue;
  Connection.prototype.command = function (ns, cmd, ...rest) {
    const name = cmd && Object.keys(cmd)[0];
    if (name && !SKIP.has(name)) {
      const coll = name === 'getMore' ? cmd.collection : typeof cmd[name] === 'string' ? cmd[name] : '';
      const key = [name, norm(coll || '-')].join('\t');
      inc(counts.commands, key);
      // an array, or the driver's DocumentSequence (OP_MSG section) holding one
      const seq = cmd.documents || cmd.updates || cmd.deletes;
      const docs = Array.isArray(seq) ? seq : seq && Array.isArray(seq.documents) ? seq.documents : undefined;
      if (docs) counts.commandDocs[key] = (counts.commandDocs[key] || 0) + docs.length;
    }
    return orig.call(this, ns, cmd, ...rest);
  };
}

// AMQP (amqplib): ConfirmChannel.publish and sendToQueue both end in Channel.prototype.publish.
// (its package "exports" hide lib/: reach the file by its path, next to the main module)
const amqplibMain = resolveFrom('amqplib', root);
const channelModel = amqplibMain && path.join(path.dirname(amqplibMain), 'lib', 'channel_model.js');
if (channelModel) {
  const { Channel } = require(channelModel);
  // A key per (exchange, routing key, confirmed or not, persistent or not), tab-separated so the
  // report can split it back into columns; a ConfirmChannel's publish goes through here too.
  const { ConfirmChannel } = require(channelModel);
  const publish = Channel.prototype.publish;
  Channel.prototype.publish = function (exchange, routingKey, content, options, ...rest) {
    const confirmed = this instanceof ConfirmChannel ? 'confirmed' : 'unconfirmed';
    const persistent = options && (options.persistent || options.deliveryMode === 2) ? 'persistent' : 'transient';
    inc(counts.publish, [norm(exchange) || '(default)', norm(routingKey), confirmed, persistent].join('\t'));
    return publish.call(this, exchange, routingKey, content, options, ...rest);
  };
  // Deliveries by queue; acks and nacks by the queue of the message they settle.
  const queueOf = new WeakMap();
  const consume = Channel.prototype.consume;
  Channel.prototype.consume = function (queue, callback, ...rest) {
    const q = norm(queue);
    return consume.call(this, queue, (msg) => {
      if (msg) {
        inc(counts.deliver, q);
        queueOf.set(msg, q);
      }
      return callback(msg);
    }, ...rest);
  };
  for (const m of ['ack', 'nack', 'reject']) {
    const orig = Channel.prototype[m];
    Channel.prototype[m] = function (msg, ...args) {
      const q = (msg && queueOf.get(msg)) || '(unknown)';
      inc(m === 'ack' ? counts.acks : counts.nacks, q);
      counts[m === 'ack' ? 'ack' : 'nack']++;
      return orig.call(this, msg, ...args);
    };
  }
  // ackAll/nackAll settle many at once: counted once each under '(all)'.
  for (const m of ['ackAll', 'nackAll']) {
    const orig = Channel.prototype[m];
    if (typeof orig !== 'function') continue;
    Channel.prototype[m] = function (...args) {
      inc(m === 'ackAll' ? counts.acks : counts.nacks, '(all)');
      return orig.apply(this, args);
    };
  }
}

const snapshot = () => JSON.parse(JSON.stringify(counts));
let session;
let before;
let windowStart = 0;
if (dir) {
  process.on('SIGUSR2', () => {
    const base = path.join(dir, `${service}-${process.pid}`);
    if (!session) {
      before = snapshot();
      windowStart = Date.now();
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () =>
          session.post('Profiler.start', () => fs.writeFileSync(`${base}.started`, String(Date.now()))),
        ),
      );
      return;
    }
    const after = snapshot();
    const windowMs = Date.now() - windowStart;
    session.post('Profiler.stop', (err, res) => {
      if (!err) fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(res.profile));
      fs.writeFileSync(`${base}.io.json`, JSON.stringify({ service, pid: process.pid, windowMs, before, after, profileError: err ? String(err) : undefined }));
      session.disconnect();
      session = undefined;
    });
  });
}
