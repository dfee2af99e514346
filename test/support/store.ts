// A store on a database of the test's own on the real MongoDB server, for the describe block
// that calls it: connected before its tests, dropped and closed after them.
import type { Connection } from 'mongoose';
import { connectMongo, createStore, type Store } from '@loom/store';
import { mongoUrlFor, uniqueName } from './servers';

export function useTestStore(prefix: string): { readonly store: Store; readonly conn: Connection } {
  let conn: Connection | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    conn = await connectMongo(mongoUrlFor(uniqueName(prefix)));
    store = await createStore(conn);
  });
  afterAll(async () => {
    await conn?.dropDatabase().catch(() => undefined);
    await conn?.close();
  });
  return {
    get store() {
      if (!store) throw new Error('the test store is used before beforeAll connected it');
      return store;
    },
    get conn() {
      if (!conn) throw new Error('the test store is used before beforeAll connected it');
      return conn;
    },
  };
}
