// Backend layer: the one error family for choosing a TensorFlow.js backend and running our added kernels.

/** A backend that cannot be used or a kernel that cannot run: says which, and why. */
export class BackendError extends Error {
  constructor(message: string, readonly backend?: string) {
    super(message);
    this.name = 'BackendError';
  }
}
