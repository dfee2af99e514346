// One mongoose connection per service, on the database named in MONGO_URL (`loom` when none).
import mongoose, { type Connection } from 'mongoose';

export async function connectMongo(url: string, opts: { maxPoolSize?: number } = {}): Promise<Connection> {
  const parsed = new URL(url);
  const dbName = parsed.pathname.replace(/^\//, '') || 'loom';
  const conn = mongoose.createConnection(url, {
    dbName,
    maxPoolSize: opts.maxPoolSize ?? 20,
    serverSelectionTimeoutMS: 10_000,
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}
