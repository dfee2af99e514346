// Handler `provider`: the task runs at a third-party AI API (config: the type's `provider`).
// This is its contract (name and input); the executor supplies the implementation, which
// needs the provider adapters and the store. Adapters check the input's fields themselves
// (a field they reject fails the task as bad input).
import { z } from 'zod';
import { defineHandler } from './task-handler';

export const providerInput = z.record(z.string(), z.unknown());

export const providerHandlerSpec = defineHandler({
  name: 'provider',
  description: "Submits the task to the type's provider and waits for it (webhook or polling); outputs are copied to storage.",
  input: providerInput,
  run() {
    return Promise.reject(new Error('the provider handler runs only inside the executor'));
  },
});
