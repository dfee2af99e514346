export interface ProvidedServer {
  name: 'rabbitmq' | 'mongodb' | 's3' | 'zipkin' | 'prometheus';
  url: string;
  /** configured: from the environment; reused: already running here; started: by this call. */
  origin: 'configured' | 'reused' | 'started';
  pid?: number;
  logFile?: string;
  /** Present only when this call started the server. */
  stop?: () => Promise<void>;
}

export type InfraProfile = 'dev' | 'test';
