// The contract between engine, main process and renderer: re-exports every shared module.
export * from './classes.js';
export * from './spec.js';
export * from './hyper.js';
export * from './run.js';
export * from './data.js';
export * from './api.js';
export * from './model/inferShapes.js';
export * from './wire.js';
