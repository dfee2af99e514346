// The warm-up of a peer runs on the same system but never in the store that is then measured.
import { warmupRounds } from '../lib/workload';
import { warmupConfig, type PeerConfig } from './types';

const base: PeerConfig = { system: 'bullmq', role: 'worker', types: ['bench.t0', 'bench.t1'], sleepMs: 20, expected: 1000, pollMs: 100, pollConcurrency: 5, history: 500, warmup: 1000 };

describe('bench warm-up', () => {
  it('puts a peer\'s warm-up jobs in a keyspace or database of their own, with no history and no sleep', () => {
    const redis = warmupConfig({ ...base, redis: { host: '127.0.0.1', port: 6400, prefix: 'bench0' } });
    expect(redis.redis).toEqual({ host: '127.0.0.1', port: 6400, prefix: 'bench0-warmup' });
    const mongo = warmupConfig({ ...base, system: 'agenda', mongoUrl: 'mongodb://127.0.0.1:27027/bench-agenda-x' });
    expect(mongo.mongoUrl).toBe('mongodb://127.0.0.1:27027/bench-agenda-x-warmup');
    expect([mongo.sleepMs, mongo.history, mongo.types]).toEqual([0, undefined, base.types]);
  });

  it('is bursts of at most 1,000 no-op tasks over the scenario\'s types', () => {
    const s = { name: 'sleep20/200/s', sleepMs: 20, arrival: 'rate' as const, rate: 200, concurrency: 32, tasks: 1000, types: ['a', 'b'] };
    const round = { ...s, name: 'warm-up', sleepMs: 0, arrival: 'burst' };
    expect(warmupRounds(s, 2500)).toEqual([{ ...round, tasks: 1000 }, { ...round, tasks: 1000 }, { ...round, tasks: 500 }]);
    expect(warmupRounds(s, 0)).toEqual([]);
  });
});
