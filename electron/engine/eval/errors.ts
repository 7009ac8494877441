// Engine/eval: the error family for evaluation inputs that do not fit together (lengths, label ranges).
export class EvalError extends Error {
  /** `what` names the argument or quantity at fault (e.g. "probs", "labels[17]"). */
  constructor(message: string, readonly what?: string) {
    super(message);
    this.name = 'EvalError';
  }
}
