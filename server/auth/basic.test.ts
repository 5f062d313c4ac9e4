import { describe, expect, it } from 'vitest';
import { parseBasic } from './basic.ts';
import { newSecret } from './secrets.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('parseBasic', () => {
  it('reads the user and the password, the password keeping any colon', () => {
    const secret = newSecret('collector');
    expect(parseBasic(b64(`fluentd:${secret}`))).toEqual({ user: 'fluentd', password: secret });
    expect(parseBasic(` ${b64(':a:b')}  `)).toEqual({ user: '', password: 'a:b' });
    expect(parseBasic(b64('capteur-é:x'))).toEqual({ user: 'capteur-é', password: 'x' });
  });

  it('names the problem of a header it cannot read', () => {
    const cases: [string, RegExp][] = [
      ['', /missing/],
      ['   ', /missing/],
      ['not base64!', /base64/],
      ['dXNlcjpwdw', /base64/], // padding left off
      ['dXNl cjpwdw==', /base64/],
      ['dXNlcjp-dw==', /base64/], // base64url, not base64
      ['====', /base64/],
      [b64('userpassword'), /":"/],
      [b64('user:'), /password is empty/],
      [Buffer.from([0xff, 0x3a, 0x61]).toString('base64'), /UTF-8/],
    ];
    for (const [encoded, problem] of cases) {
      const parsed = parseBasic(encoded);
      expect('problem' in parsed ? parsed.problem : 'parsed', encoded).toMatch(problem);
    }
  });
});
