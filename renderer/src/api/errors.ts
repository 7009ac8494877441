// Renderer host seam: the one error family for a failed request, carrying which request and why.

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(readonly method: string, message: string, readonly code?: string) {
    super(message);
  }
}

/** The message a researcher should see for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
