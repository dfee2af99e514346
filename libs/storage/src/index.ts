export * from './object-storage';
export * from './safe-fetch';
export * from './content-types';
