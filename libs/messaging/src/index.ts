export * from './topology';
export * from './bus';
export * from './serial-per-type';
