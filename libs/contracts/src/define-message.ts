// How a message contract is declared: an explicit routing key, a version, and a zod schema of
// its payload. Services import these constants; nobody copies a message shape.
import { z } from 'zod';

export interface MessageContract<S extends z.ZodType> {
  /** Routing key on the events exchange; an explicit string, never derived from a class name. */
  readonly name: string;
  readonly version: number;
  readonly payload: S;
}

export function defineMessage<S extends z.ZodType>(name: string, version: number, payload: S): MessageContract<S> {
  return Object.freeze({ name, version, payload });
}

export type PayloadOf<C> = C extends MessageContract<infer S> ? z.infer<S> : never;
