import { z } from 'zod';
import { ErrorCodes, MeshError, type FieldError } from './error-codes.js';

/** Maps zod issues to the API's `errors: [{field, message}]`. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: [...issue.path, key].join('.'), message: 'unknown field' });
      }
      continue;
    }
    out.push({ field: issue.path.join('.') || '(body)', message: issue.message });
  }
  return out;
}

/** Parses `input` or throws an `invalid` MeshError listing every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', toFieldErrors(result.error));
  }
  return result.data;
}
