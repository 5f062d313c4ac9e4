// A JioError thrown in a worker arrives as a JioError, code and status intact.
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { installJioErrorTransfer } from './comlink-transfer.ts';
import { JioError } from './errors.ts';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

interface Failing {
  fail(): void;
}

function connect(api: Failing): Comlink.Remote<Failing> {
  const channel = new MessageChannel();
  channels.push(channel);
  Comlink.expose(api, channel.port1);
  return Comlink.wrap<Failing>(channel.port2);
}

describe('JioError over comlink', () => {
  it('keeps class, code, status and details', async () => {
    installJioErrorTransfer();
    const remote = connect({
      fail: () => {
        throw new JioError('conflict', 'stale', {
          reason: 'revision_conflict',
          current: { v: 1, _rev: '2-a' },
        });
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JioError);
    expect(error).toMatchObject({
      code: 'conflict',
      status: 409,
      message: 'stale',
      details: { current: { v: 1, _rev: '2-a' } },
    });
  });

  it('leaves other errors as comlink sends them', async () => {
    installJioErrorTransfer();
    const remote = connect({
      fail: () => {
        throw new TypeError('plain');
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(JioError);
    expect((error as Error).message).toBe('plain');
  });
});
