// Bench: finds a Python that imports torch and drives bench/torch_bench.py as a long-lived child process.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface TorchResult { train: number; trainBatches: number; infer: number; inferRepeats: number; peakRssMB: number }
/**
 * `spec` is the engine's parsed model spec, which torch_bench.py translates; `model` names it for caching.
 * Timed batches and inference repeats are fixed when given, else sized so each takes about `seconds` / `inferSeconds`.
 */
export interface TorchRequest {
  model: string; spec: unknown; batch: number; warmup: number;
  batches?: number; seconds: number; minBatches: number;
  inferCount: number; inferRepeats?: number; inferSeconds: number;
}
/** Which BLAS torch's Linear layers call (Debian's torch links whatever libblas.so.3 points at). */
export interface TorchBlas {
  declared: string; libs: string[]; openblas: boolean; blis: boolean; mkl: boolean; reference: boolean;
  corename: string | null; mmGflops: number; threadpoolctl?: unknown;
}

/** Debian's python3-torch installs for /usr/bin/python3, which need not be the first python3 on PATH. */
const CANDIDATES = [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((p): p is string => !!p);

export function findTorchPython(): { python: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of CANDIDATES) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return { reason: `no Python with torch found (${tried.join('; ')})` };
}

export class TorchBench {
  private child: ChildProcessWithoutNullStreams;
  private lines: Interface;
  private pending: Array<(line: string) => void> = [];
  private stderr = '';
  version = '';
  threads = 0;
  blas: TorchBlas | null = null;
  onednn = false;
  env: Record<string, string> = {};

  /** `env` is added to this process's environment for the child (e.g. OMP_WAIT_POLICY). */
  private constructor(python: string, threads: number, env: Record<string, string>) {
    const script = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
    this.child = spawn(python, [script, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stderr.on('data', (d) => { this.stderr += String(d); });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (l) => this.pending.shift()?.(l));
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0)) p(JSON.stringify({ error: `python exited with ${code}: ${this.stderr.trim().slice(-500)}` }));
    });
  }

  static async start(python: string, threads: number, env: Record<string, string> = {}): Promise<TorchBench> {
    const t = new TorchBench(python, threads, env);
    const hello = JSON.parse(await t.next()) as {
      torch?: string; threads?: number; error?: string; blas?: TorchBlas; onednn?: boolean; env?: Record<string, string>;
    };
    if (hello.error) throw new Error(hello.error);
    t.version = hello.torch ?? '?';
    t.threads = hello.threads ?? threads;
    t.blas = hello.blas ?? null;
    t.onednn = hello.onednn ?? false;
    t.env = hello.env ?? {};
    return t;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.pending.push(resolve));
  }

  async measure(req: TorchRequest): Promise<TorchResult> {
    const answer = this.next();
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    const r = JSON.parse(await answer) as TorchResult & { error?: string };
    if (r.error) throw new Error(r.error);
    return r;
  }

  /**
   * Stops the process (SIGSTOP) while something else is timed: an idle OpenMP team spins for a while after each call
   * (OMP_WAIT_POLICY active), which took a core from our ANN run (~51k instead of ~92k samples/s measured alone).
   */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  stop(): void {
    this.resume();
    this.child.stdin.end();
    this.lines.close();
  }
}
