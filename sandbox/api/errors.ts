// Bitbucket's error envelope and the special bodies the real service sends.
import type { FastifyReply } from 'fastify';

export function errorBody(message: string, detail?: string, data?: Record<string, unknown>) {
  const error: Record<string, unknown> = { message };
  if (detail !== undefined) error.detail = detail;
  if (data !== undefined) error.data = data;
  return { type: 'error', error };
}

/** Thrown by route handlers; the server turns it into the envelope with this status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Resource not found', detail?: string) => new ApiError(404, what, detail);

export const CHANGE_2770 = errorBody(
  'CHANGE-2770 - Functionality has been deprecated',
  'Please read the changelog entry for more details.',
  { announcement_url: 'https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770' },
);

export const RATE_LIMIT_TEXT = 'Rate limit for this resource has been exceeded';

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply
    .code(err.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(err.message, err.detail, err.data));
}
