// Training failures: what went wrong in a run, in words a researcher can act on.
export class TrainingError extends Error {
  constructor(message: string, readonly runId?: string, readonly epoch?: number) {
    super(message);
    this.name = 'TrainingError';
  }
}
