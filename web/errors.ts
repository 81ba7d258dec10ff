// An error a route throws to answer with a status and a message meant for the person reading it.
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
