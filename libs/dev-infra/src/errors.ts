// The one error the infrastructure tool raises: a sentence a person can act on, never a trace.
export class InfraUnavailableError extends Error {
  readonly code = 'INFRA_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'InfraUnavailableError';
  }
}
