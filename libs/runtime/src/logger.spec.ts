import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { meshEnv, parseEnv, z } from './env.js';
import { PinoNestLogger, resolveLogFormat } from './logger.js';

describe('log format', () => {
  it('is pretty in a terminal and JSON anywhere else, unless one is asked for', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('LOG_FORMAT is json, pretty or unset, and anything else fails naming the variable', () => {
    const Env = z.object({ LOG_FORMAT: meshEnv.LOG_FORMAT });
    expect(parseEnv(Env, {})).toEqual({});
    expect(parseEnv(Env, { LOG_FORMAT: 'pretty' })).toEqual({ LOG_FORMAT: 'pretty' });
    expect(() => parseEnv(Env, { LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT: must be json or pretty/);
  });
});

describe('PinoNestLogger', () => {
  it("keeps Nest's start-up chatter (route mappings, modules loaded) at debug, and the rest at info", () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const nest = new PinoNestLogger(pino({ level: 'debug' }, sink));
    nest.log('Mapped {/posts, GET} route', 'RouterExplorer');
    nest.log('PostsController {/posts}:', 'RoutesResolver');
    nest.log('EdgeModule dependencies initialized', 'InstanceLoader');
    nest.log('Nest application successfully started', 'NestApplication');
    nest.log('something of our own', 'MediaService');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [20, 'Mapped {/posts, GET} route'],
      [20, 'PostsController {/posts}:'],
      [20, 'EdgeModule dependencies initialized'],
      [20, 'Nest application successfully started'],
      [30, 'something of our own'],
    ]);
  });
});
