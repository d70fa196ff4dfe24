// Logs, one event per line, with service, replica and the current request id: JSON for log
// collectors, or short readable lines for a person at a terminal (pino-pretty).
import { createRequire } from 'node:module';
import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { requestContext } from './request-context.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LogLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type LogFormat = 'json' | 'pretty';
export const LogFormats: readonly LogFormat[] = ['json', 'pretty'];

/**
 * The format asked for, or, when none was: pretty in a terminal, JSON anywhere else (a pipe, a
 * file, a container's log collector), so nothing that parses our logs ever gets the pretty ones.
 */
export function resolveLogFormat(asked: LogFormat | undefined, isTTY = process.stdout.isTTY === true): LogFormat {
  return asked ?? (isTTY ? 'pretty' : 'json');
}

export function createLogger(opts: { service: string; level: LogLevel; format?: LogFormat }): Logger {
  const options = {
    level: opts.level,
    base: { service: opts.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin() {
      const ctx = requestContext.getStore();
      if (!ctx) return {};
      const line: Record<string, string> = { requestId: ctx.requestId };
      if (ctx.traceId) line.traceId = ctx.traceId;
      // Critical is the default and says nothing: only the other two are written.
      if (ctx.criticality !== undefined && ctx.criticality !== 'critical') line.criticality = ctx.criticality;
      return line;
    },
  };
  return resolveLogFormat(opts.format) === 'pretty' ? pino(options, prettyStream()) : pino(options);
}

/**
 * `14:02:07 INFO: posts: joined the mesh {"subjects":[…]}`. Loaded only when asked for, so a
 * replica that logs JSON (every one in production) never loads the prettifier. Synchronous, so
 * the last lines before a process.exit are not lost.
 */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    messageFormat: '{service}: {msg}',
    singleLine: true,
  });
}

/**
 * Nest's own start-up chatter: one line per route mapped (36 on the edge), per module loaded, and
 * "successfully started", which our "joined the mesh" and "edge listening" already say. Kept at
 * debug, so the default level shows what the operator needs and `LOG_LEVEL=debug` still has it.
 */
const NestStartupContexts = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

/** Lets Nest's own log lines go through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    if (context !== undefined && NestStartupContexts.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    if (message instanceof Error) this.logger.error({ err: message, context }, message.message);
    else this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
