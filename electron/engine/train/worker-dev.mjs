// Development-only worker bootstrap: registers tsx so a worker can run the TypeScript entry directly.
// (--import in a Worker's execArgv does not install loader hooks on Node 20.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsEntry);
