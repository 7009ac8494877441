// Engine/explain: the error family for explanation requests that cannot be answered (method, layer, class, image).
export class ExplainError extends Error {
  override readonly name = 'ExplainError';

  /** `what` names the option or input at fault (e.g. "layer", "class", "index"). */
  constructor(message: string, readonly what?: string) {
    super(message);
  }
}
