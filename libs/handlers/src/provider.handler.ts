// Handler `provider`: the task runs at a third-party AI API (config: the type's `provider`).
// This is its contract (name and input); the executor supplies the implementation, which
// needs the provider adapters and the store. Adapters check the input's fields themselves
// (a field they reject fails the task as bad input).
import { z } from 'zod';
import { defineHandler } from './task-handler';

/** A key MongoDB can store: no NUL character (BSON refuses it), not empty and not starting with `$` (an operator). */
const storableKey = z.string().regex(/^[^$\u0000][^\u0000]*$/, 'a key must not be empty, start with $ or contain a NUL character');
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const json: z.ZodType<Json> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(storableKey, json)]))
  .meta({ id: 'StorableJson', description: 'Any JSON value whose object keys MongoDB can store.' });

/** Any JSON object the task can be stored with; the provider adapter checks its fields. */
export const providerInput = z.record(storableKey, json);

export const providerHandlerSpec = defineHandler({
  name: 'provider',
  description: "Submits the task to the type's provider and waits for it (webhook or polling); outputs are copied to storage.",
  input: providerInput,
  run() {
    return Promise.reject(new Error('the provider handler runs only inside the executor'));
  },
});
