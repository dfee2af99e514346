// What adapters take besides their configuration: swappable for tests, defaulted for services.

/** The two pino methods adapters use; a service passes its pino logger. */
export interface ProviderLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

export interface ProviderDeps {
  /** Default: the global fetch (undici). */
  fetch?: typeof fetch;
  /** Default: warnings to stderr as one JSON line, debug dropped. */
  logger?: ProviderLogger;
  /** Clock for webhook timestamps (default Date.now). */
  now?: () => number;
}

export const stderrLogger: ProviderLogger = {
  warn(fields, message) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', time: Date.now(), ...fields, msg: message })}\n`);
  },
  debug() {},
};
