import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultTaskTypesFile, loadTaskTypes } from './task-types';

function load(types: Record<string, unknown>) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-types-')), 'task-types.json');
  fs.writeFileSync(file, JSON.stringify({ types }));
  return () => loadTaskTypes(file);
}

describe('task types: provider types and prices', () => {
  const provider = { handler: 'provider', provider: { name: 'grsai', settings: { model: 'sora-2' } } };

  it('refuses at start-up a provider type that declares neither a price nor free, naming it', () => {
    expect(load({ 'x.sora': provider })).toThrow(/types\.x\.sora\.price: a provider type must declare a price .* or say "free": true/);
  });

  it('accepts a provider type with a price, or one that says free; a type cannot be both', () => {
    expect(load({ 'x.sora': { ...provider, price: { credits: 20 } } })()['x.sora']?.price).toEqual({ credits: 20 });
    expect(load({ 'x.sora': { ...provider, free: true } })()['x.sora']?.free).toBe(true);
    expect(load({ 'x.sora': { ...provider, free: true, price: { credits: 1 } } })).toThrow(/remove one of price and free/);
    expect(load({ local: { handler: 'sleep' } })().local?.free).toBeUndefined();
  });

  it('the shipped configuration prices every provider type', () => {
    const types = loadTaskTypes(defaultTaskTypesFile());
    for (const [name, t] of Object.entries(types)) if (t.handler === 'provider') expect({ name, priced: t.price !== undefined }).toEqual({ name, priced: true });
  });
});

describe('task types: isolation', () => {
  it('runs handlers inline with a 5 s stop grace unless a type says otherwise', () => {
    expect(load({ local: { handler: 'sleep' } })().local).toMatchObject({ isolation: 'inline', abortGraceMs: 5000 });
    expect(load({ local: { handler: 'sleep', isolation: 'worker_thread', abortGraceMs: 250 } })().local).toMatchObject({ isolation: 'worker_thread', abortGraceMs: 250 });
    expect(load({ local: { handler: 'sleep', isolation: 'child_process' } })().local?.isolation).toBe('child_process');
  });

  it('refuses a stop grace longer than an orchestrator waits for a stopping executor', () => {
    expect(load({ local: { handler: 'sleep', abortGraceMs: 10_001 } })).toThrow(/types\.local\.abortGraceMs: Too big/);
  });

  it('refuses an unknown isolation and a provider type in a sandbox, naming the field', () => {
    expect(load({ local: { handler: 'sleep', isolation: 'vm' } })).toThrow(/types\.local\.isolation: .*"inline"\|"worker_thread"\|"child_process"|types\.local\.isolation: Invalid option/);
    const sandboxedProvider = { handler: 'provider', free: true, isolation: 'worker_thread', provider: { name: 'grsai' } };
    expect(load({ 'x.sora': sandboxedProvider })).toThrow(/types\.x\.sora\.isolation: handler "provider" runs inline only/);
  });
});
