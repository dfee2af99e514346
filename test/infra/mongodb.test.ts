// mongoose against the MongoDB-compatible server: the single-document guarantees the store
// is designed on (conditional updates, unique keys, atomic claims and counters).
import mongoose, { Schema, type Connection } from 'mongoose';
import { mongoUrlFor, uniqueName } from '../support/servers';

const jobSchema = new Schema({
  name: { type: String, required: true },
  status: { type: String, required: true },
  version: { type: Number, required: true, default: 0 },
  claimedBy: String,
  key: { type: String, unique: true, sparse: true },
});
const counterSchema = new Schema({ _id: String, value: Number });

describe('mongoose against the MongoDB-compatible server', () => {
  const dbName = uniqueName('infra');
  let conn: Connection;

  beforeAll(async () => {
    conn = await mongoose.createConnection(mongoUrlFor(dbName)).asPromise();
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('creates, finds and updates conditionally on (id, version)', async () => {
    const Job = conn.model('VersionedJob', jobSchema);
    const created = await Job.create({ name: 'a', status: 'pending' });
    const found = await Job.findById(created._id).lean();
    expect(found).toMatchObject({ name: 'a', status: 'pending', version: 0 });

    const first = await Job.updateOne({ _id: created._id, version: 0 }, { $set: { status: 'running' }, $inc: { version: 1 } });
    const stale = await Job.updateOne({ _id: created._id, version: 0 }, { $set: { status: 'failed' }, $inc: { version: 1 } });
    expect(first.modifiedCount).toBe(1);
    expect(stale.modifiedCount).toBe(0);
    expect(await Job.findById(created._id).lean()).toMatchObject({ status: 'running', version: 1 });
  });

  it('rejects a duplicate on a unique index with code 11000', async () => {
    const Job = conn.model('KeyedJob', jobSchema);
    await Job.init();
    await Job.create({ name: 'x', status: 'pending', key: 'same' });
    await expect(Job.create({ name: 'y', status: 'pending', key: 'same' })).rejects.toMatchObject({ code: 11000 });
    expect(await Job.countDocuments({ key: 'same' })).toBe(1);
  });

  it('lets 20 concurrent clients claim 100 documents, each exactly once', async () => {
    await conn.model('ClaimJob', jobSchema).insertMany(
      Array.from({ length: 100 }, (_, i) => ({ name: `job-${i}`, status: 'pending' })),
    );
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => mongoose.createConnection(mongoUrlFor(dbName), { maxPoolSize: 2 }).asPromise()),
    );
    try {
      const claims = await Promise.all(
        clients.map(async (client, i) => {
          const Job = client.model('ClaimJob', jobSchema);
          const mine: string[] = [];
          for (;;) {
            const doc = await Job.findOneAndUpdate(
              { status: 'pending' },
              { $set: { status: 'claimed', claimedBy: `client-${i}` }, $inc: { version: 1 } },
              { returnDocument: 'after' },
            ).lean();
            if (!doc) return mine;
            mine.push(String(doc._id));
          }
        }),
      );
      const all = claims.flat();
      expect(all).toHaveLength(100);
      expect(new Set(all).size).toBe(100);
      const Job = conn.model('ClaimJob', jobSchema);
      expect(await Job.countDocuments({ status: 'claimed', version: 1 })).toBe(100);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('adds up 20 concurrent $inc of one counter by 50 to 1,000', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => mongoose.createConnection(mongoUrlFor(dbName), { maxPoolSize: 1 }).asPromise()),
    );
    try {
      await conn.model('Counter', counterSchema).create({ _id: 'c', value: 0 });
      await Promise.all(
        clients.map(async (client) => {
          const Counter = client.model('Counter', counterSchema);
          for (let i = 0; i < 50; i++) await Counter.updateOne({ _id: 'c' }, { $inc: { value: 1 } });
        }),
      );
      expect(await conn.model('Counter', counterSchema).findById('c').lean()).toMatchObject({ value: 1000 });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
  // The local stand-in plans a filter naming `_id` and more from its `_id` index (tools/mongo-server
  // IdFirst.java; the hot path's conditional writes all look like this). The candidates it takes
  // from there must still be matched against the whole filter.
  it('matches a filter of _id and other conditions as a whole, for reads and conditional writes', async () => {
    const Job = conn.model('IdFirstJob', jobSchema);
    const [a, b, c] = await Job.create([
      { name: 'a', status: 'queued' },
      { name: 'b', status: 'running' },
      { name: 'c', status: 'queued' },
    ]);
    expect(await Job.findOne({ _id: a!._id, status: 'queued' }).lean()).toMatchObject({ name: 'a' });
    expect(await Job.findOne({ _id: a!._id, status: 'running' }).lean()).toBeNull();
    const some = await Job.find({ _id: { $in: [a!._id, b!._id, c!._id] }, status: 'queued' }).lean();
    expect(some.map((j) => j.name).sort()).toEqual(['a', 'c']);
    // An operator on _id other than $in is planned as before (a scan), with the same meaning.
    expect(await Job.countDocuments({ _id: { $ne: a!._id }, status: 'queued' })).toBe(1);

    const missed = await Job.updateOne({ _id: b!._id, status: 'queued' }, { $set: { status: 'done' } });
    const hit = await Job.updateOne({ _id: b!._id, status: 'running', name: 'b' }, { $set: { status: 'done' } });
    expect([missed.matchedCount, hit.modifiedCount]).toEqual([0, 1]);
    const claimed = await Job.findOneAndUpdate({ _id: c!._id, status: 'queued', version: 0 }, { $set: { status: 'running' } }, { new: true }).lean();
    expect(claimed).toMatchObject({ name: 'c', status: 'running' });
    expect(await Job.findOneAndUpdate({ _id: c!._id, status: 'queued', version: 0 }, { $set: { status: 'running' } })).toBeNull();
    expect((await Job.find({}, { name: 1, status: 1 }).sort({ name: 1 }).lean()).map((j) => `${j.name}:${j.status}`)).toEqual(['a:queued', 'b:done', 'c:running']);
  });
});
