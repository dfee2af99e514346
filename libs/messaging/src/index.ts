export * from './topology';
export * from './bus';
