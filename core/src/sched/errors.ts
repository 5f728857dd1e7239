/** Raised by every exported scheduling/path function when an argument has the wrong type or range. */
export class SchedArgumentError extends Error {
  override readonly name = 'SchedArgumentError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}
