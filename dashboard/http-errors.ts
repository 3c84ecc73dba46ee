/**
 * Errors that cross the HTTP boundary. Handlers throw these with a message fit for an operator;
 * `app.onError` turns them into the contract envelope `{"error": "<message>"}` (DESIGN.md
 * "Operator API", STYLE.md rule 8). Anything else becomes a logged 500 with no internals.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { safeParse } from '../shared/validation.ts';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const unavailable = (message: string) => new HttpError(503, message);

/** Largest request body the API reads; registry records are well under 2 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Parses the JSON body against a schema; 400 listing every problem as `<path> <message>`.
 *
 * @example const input = await readJson(c, siteInputSchema);
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const length = Number(c.req.header('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) throw new HttpError(413, `body is larger than ${MAX_BODY_BYTES} bytes`);
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new HttpError(413, `body is larger than ${MAX_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequest('body must be a JSON object');
  }
  return parseOr400(schema, json);
}

export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = safeParse(schema, input);
  if (!result.ok) throw badRequest(result.error);
  return result.value;
}
