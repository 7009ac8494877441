// Report errors (engine/report): one class for every way building a report can fail, naming the part that failed.
export class ReportError extends Error {
  /** Which part of the report or which input: 'fonts', 'input', a run id, a section name. */
  readonly where: string;

  constructor(message: string, where: string, options?: { cause?: unknown }) {
    super(`report (${where}): ${message}`, options);
    this.name = 'ReportError';
    this.where = where;
  }
}
