// Resource limits of a training run (engine layer): refuse what cannot fit before a worker touches it,
// and recognise a backend that died (a wasm abort) so its worker is replaced instead of reused.
import os from 'node:os';
import { createRequire } from 'node:module';
import type { BackendName, TrainRequest } from '../../../shared/run.js';
import { estimateTrainingMemory, bytesText, type MemoryEstimate } from '../../../shared/model/memory.js';
import { TrainingError } from './errors.js';

/**
 * tfjs-backend-wasm 4.22's emscripten build returns 4294901760 from getHeapMax() (4 GiB − 64 KiB, the wasm32
 * ceiling); past it malloc fails and the module aborts for good. Its first 16 MiB hold the stack and static data.
 */
export const WASM_HEAP_MAX = 4_294_901_760;
const WASM_HEAP_RESERVED = 16 * 2 ** 20;
/** V8 isolate, tfjs and the wasm module of one worker before it holds any run's tensors (measured ~200 MiB RSS). */
export const WORKER_RUNTIME_BYTES = 256 * 2 ** 20;

export interface MachineMemory { total: number; free: number }

export function machineMemory(): MachineMemory {
  return { total: os.totalmem(), free: os.freemem() };
}

/** What a run may use of the machine: three quarters of its memory, and no more than 90% of what is free now. */
export function machineBudget(m: MachineMemory): number {
  return Math.min(0.75 * m.total, 0.9 * m.free);
}

export interface BudgetVerdict {
  ok: boolean;
  estimate: MemoryEstimate;
  /** The binding limit and what it is, e.g. "the wasm backend can address at most 4 GiB". */
  limit: number;
  limitText: string;
  /** Bytes compared against `limit`. */
  needed: number;
  /** Set when !ok: the whole message for the researcher. */
  message?: string;
}

function dominantText(e: MemoryEstimate, optimizer: TrainRequest['hyper']['optimizer']['type']): string {
  if (e.dominant === 'activations') {
    return `activations of a batch of ${e.batchSize}, forward and backward, ~${bytesText(e.tensors.activations)}`;
  }
  const state = optimizer === 'adam' ? 'Adam state and its update' : optimizer === 'rmsprop' ? 'RMSProp state' : 'SGD update';
  return `${e.params.toLocaleString('en-US')} parameters: weights, gradients, ${state} ~${bytesText(e.tensorBytes - e.tensors.activations)}`;
}

function advice(e: MemoryEstimate): string {
  return e.dominant === 'activations'
    ? 'lower the batch size, use fewer filters, or downsample (pooling, strides) earlier'
    : 'reduce layer sizes (units, filters), or pool/downsample before the Dense layers';
}

/**
 * Checks a request against the backend's addressable memory and the machine's budget. Pure given `memory`;
 * `backend` is the one that will train (for 'auto', the best one installed: see likelyBackend).
 */
export function checkBudget(request: TrainRequest, backend: BackendName, memory: MachineMemory): BudgetVerdict {
  const hyper = request.hyper;
  const estimate = estimateTrainingMemory({
    model: request.model, batchSize: hyper.batchSize, optimizer: hyper.optimizer,
    keepsBestWeights: hyper.earlyStopping?.restoreBestWeights === true,
  });
  const machine = machineBudget(memory);
  const machineNeeded = estimate.totalBytes + WORKER_RUNTIME_BYTES;
  const wasmUsable = WASM_HEAP_MAX - WASM_HEAP_RESERVED;
  const name = request.model.name;
  let verdict: Omit<BudgetVerdict, 'message'>;
  if (backend === 'wasm' && estimate.tensorBytes > wasmUsable) {
    verdict = { ok: false, estimate, limit: wasmUsable, needed: estimate.tensorBytes, limitText: 'the wasm backend can address at most 4 GiB (a 32-bit heap)' };
  } else if (machineNeeded > machine) {
    verdict = {
      ok: false, estimate, limit: machine, needed: machineNeeded,
      limitText: `this machine can give a run about ${bytesText(machine)} (${bytesText(memory.free)} free of ${bytesText(memory.total)})`,
    };
  } else {
    return { ok: true, estimate, limit: backend === 'wasm' ? Math.min(wasmUsable, machine) : machine, limitText: '', needed: machineNeeded };
  }
  const message = `model "${name}" needs ~${bytesText(verdict.needed)} to train at batch size ${estimate.batchSize} on the ${backend} backend `
    + `(${dominantText(estimate, hyper.optimizer.type)}) but ${verdict.limitText}; ${advice(estimate)}`;
  return { ...verdict, message };
}

/** Throws the TrainingError a refused run gets; returns the verdict otherwise. */
export function assertFits(request: TrainRequest, backend: BackendName, memory: MachineMemory = machineMemory()): BudgetVerdict {
  const verdict = checkBudget(request, backend, memory);
  if (!verdict.ok) throw new TrainingError(verdict.message!);
  return verdict;
}

const require = createRequire(import.meta.url);
const BACKEND_MODULES: Array<[BackendName, string | null]> = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'], ['tensorflow', '@tensorflow/tfjs-node'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'], ['cpu', null],
];
let installed: BackendName | null = null;

/**
 * The backend a run will get, decided without importing any backend (the main process must stay light):
 * an explicit choice as is; 'auto' as the best one installed. The worker checks again once the backend is live.
 */
export function likelyBackend(choice: TrainRequest['backend']): BackendName {
  if (choice !== 'auto') return choice;
  if (installed) return installed;
  for (const [name, id] of BACKEND_MODULES) {
    if (id === null) { installed = name; break; }
    try {
      require.resolve(id);
      installed = name;
      break;
    } catch {
      // not installed: try the next one
    }
  }
  return installed ?? 'cpu';
}

/** Errors after which a backend cannot be trusted again: emscripten's abort, wasm traps, heap exhaustion. */
const ABORT_PATTERNS = [
  /\bAborted\(/, /RuntimeError/, /table index is out of bounds/, /memory access out of bounds/, /\bunreachable\b/,
  /out of memory/i, /Cannot enlarge memory/i, /Array buffer allocation failed/,
];

export function isBackendAbort(reason: string | undefined | null): boolean {
  return !!reason && ABORT_PATTERNS.some((p) => p.test(reason));
}
