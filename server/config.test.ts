import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DEMO_SAMPLES, parseCommand } from './config.ts';

const defaults = { appDir: '/opt/fieldlake/build/app', cwd: '/home/tech' };

describe('parseCommand', () => {
  it('has defaults', () => {
    expect(parseCommand([], {}, defaults)).toEqual({
      help: false,
      config: {
        port: 8080,
        host: '127.0.0.1',
        dataDir: '/home/tech/.fieldlake',
        appDir: defaults.appDir,
        logLevel: 'info',
        tlsCert: undefined,
        tlsKey: undefined,
        demoSamples: DEFAULT_DEMO_SAMPLES,
        publicUrl: undefined,
      },
    });
  });

  it('takes TLS files in pairs, a demo size and a public URL', () => {
    expect(() => parseCommand(['--tls-cert', 'c.pem'], {}, defaults)).toThrow(
      /both --tls-cert and --tls-key/,
    );
    expect(
      parseCommand(['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--demo', '0'], {}, defaults),
    ).toMatchObject({
      config: { tlsCert: '/home/tech/c.pem', tlsKey: '/home/tech/k.pem', demoSamples: 0 },
    });
    expect(() => parseCommand(['--demo', '-5'], {}, defaults)).toThrow(ConfigError);
    expect(() => parseCommand(['--demo', '1e12'], {}, defaults)).toThrow(/Invalid demo size/);
    expect(() => parseCommand(['--public-url', 'ftp://x'], {}, defaults)).toThrow(/public URL/);
    expect(parseCommand([], { FIELDLAKE_DEMO: '1000' }, defaults)).toMatchObject({
      config: { demoSamples: 1000 },
    });
  });

  it('reads the environment', () => {
    const parsed = parseCommand([], { FIELDLAKE_PORT: '9000', FIELDLAKE_DATA: 'lake' }, defaults);
    expect(parsed).toMatchObject({ config: { port: 9000, dataDir: '/home/tech/lake' } });
  });

  it('prefers flags to the environment', () => {
    const parsed = parseCommand(
      ['--port', '7000', '--data', '/srv/lake'],
      { FIELDLAKE_PORT: '9000', FIELDLAKE_DATA: 'x' },
      defaults,
    );
    expect(parsed).toMatchObject({ config: { port: 7000, dataDir: '/srv/lake' } });
  });

  it('accepts --flag=value', () => {
    expect(parseCommand(['--port=0'], {}, defaults)).toMatchObject({ config: { port: 0 } });
  });

  it.each([['-h'], ['--help'], ['--port', '1', '--help']])('%s asks for help', (...argv) => {
    expect(parseCommand(argv, {}, defaults)).toEqual({ help: true });
  });

  it.each([['--port', 'eighty'], ['--port', '70000'], ['--port=-1'], ['--port', '80.5']])(
    'rejects %s %s',
    (...argv) => {
      expect(() => parseCommand(argv, {}, defaults)).toThrow(/Invalid port/);
    },
  );

  it('rejects a bad port from the environment', () => {
    expect(() => parseCommand([], { FIELDLAKE_PORT: '' }, defaults)).toThrow(ConfigError);
  });

  it('rejects unknown flags and stray arguments', () => {
    expect(() => parseCommand(['--prot', '1'], {}, defaults)).toThrow(ConfigError);
    expect(() => parseCommand(['serve'], {}, defaults)).toThrow(ConfigError);
  });

  it('rejects an unknown log level', () => {
    expect(() => parseCommand(['--log-level', 'loud'], {}, defaults)).toThrow(/Invalid log level/);
  });
});
