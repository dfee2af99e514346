export * from './object-storage';
export * from './safe-fetch';
