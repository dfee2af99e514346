// The infrastructure tool itself: a second run finds the servers the first one left and
// reuses them, and the MongoDB stand-in is not rebuilt.
import { ensureInfrastructure, mongoServerJar } from '@loom/dev-infra';

describe('the local infrastructure tool', () => {
  it('reuses running servers on a second run instead of starting new ones', async () => {
    const again = await ensureInfrastructure('test');
    for (const s of again.servers) expect(['reused', 'configured']).toContain(s.origin);
    expect(again.env.MONGO_URL).toBe(process.env.MONGO_URL);
    expect(again.env.AMQP_URL).toBe(process.env.AMQP_URL);
    expect(again.env.S3_ENDPOINT).toBe(process.env.S3_ENDPOINT);
  });

  it('does not rebuild the MongoDB stand-in when its sources have not changed', () => {
    const servers: { name: string; origin: string }[] = JSON.parse(process.env.LOOM_TEST_SERVERS ?? '[]');
    // An external MongoDB (MONGO_URL) needs no stand-in, so there is nothing to rebuild.
    if (servers.find((s) => s.name === 'mongodb')?.origin === 'configured') return;
    const first = mongoServerJar();
    const second = mongoServerJar();
    expect(second).toEqual({ jar: first.jar, built: false });
  });
});
