// A mistake in how the command was called (a bad flag value, unreadable --input, no URL):
// exit code 2, never a request.
export class UsageError extends Error {
  readonly isUsageError = true;
}
