// Nest's default RPC filter turns every non-RpcException into "Internal server error"; the
// mesh keeps the typed code instead, so the edge can map it to the right HTTP status.
import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { ErrorCodes, type MeshErrorPayload } from '#contracts';
import { toErrorPayload, type ErrorClassifier } from './error-payload.js';

@Catch()
export class MeshExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(
    private readonly logger: Logger,
    private readonly classify?: ErrorClassifier,
  ) {}

  catch(exception: unknown): Observable<MeshErrorPayload> {
    const payload = toErrorPayload(exception, this.classify);
    if (payload.code === ErrorCodes.internal) {
      this.logger.error({ err: exception }, 'handler failed');
    } else if (payload.code === ErrorCodes.unavailable) {
      this.logger.warn({ err: exception instanceof Error ? exception.message : exception }, 'dependency unavailable');
    }
    return throwError(() => payload);
  }
}
