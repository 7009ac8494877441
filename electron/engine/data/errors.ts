// Engine data layer: the one error family for anything wrong with the data set (missing, corrupt, misconfigured).

/** A data problem a researcher can act on; `file` is the file (or folder) it concerns, when there is one. */
export class DataError extends Error {
  override readonly name = 'DataError';

  constructor(message: string, readonly file?: string) {
    super(message);
  }
}
