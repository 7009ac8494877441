// Engine/runs: the error family of the run store, carrying which run and which file is at fault.
export class StoreError extends Error {
  constructor(message: string, readonly runId?: string, readonly file?: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Node's errno code of an error, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
