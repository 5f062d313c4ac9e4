// HTTP Basic credentials (RFC 7617) for collectors that can send nothing else: fluentd with
// fluent-plugin-wendelin (`user` / `password` in its <match>), collectd's write_http
// `User` / `Password`. Only the parsing lives here; which routes take Basic, and that its
// password must be a collector token, is auth-plugin.ts's rule.

export interface BasicCredentials {
  /** Free text: a Wendelin config needs one, the lake only logs it. */
  user: string;
  /** The collector token's secret. */
  password: string;
}

/** Why a Basic header could not be read: a message for the 401, naming the fix. */
export interface BasicProblem {
  problem: string;
}

// Standard base64 with its padding, as every client we know sends it (Ruby's Net::HTTP,
// Python's requests, libcurl, Apache HttpClient). Node's own decoder skips characters it does
// not know, so the shape is checked first: a mangled header must be a 401, never a guess.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the credentials after `Basic `: `base64(user ":" password)`. */
export function parseBasic(encoded: string): BasicCredentials | BasicProblem {
  const token = encoded.trim();
  if (token === '') {
    return { problem: 'HTTP Basic credentials are missing: send "Basic base64(user:password)"' };
  }
  if (!BASE64.test(token)) {
    return { problem: 'HTTP Basic credentials must be standard base64 of "user:password"' };
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(token, 'base64'));
  } catch {
    return { problem: 'HTTP Basic credentials must be UTF-8 text once decoded' };
  }
  // The user name cannot hold a colon (RFC 7617); the password may.
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return { problem: 'HTTP Basic credentials need a ":" between the user and the password' };
  }
  const password = decoded.slice(colon + 1);
  if (password === '') {
    return { problem: 'The HTTP Basic password is empty: it must be a collector token (flc_…)' };
  }
  return { user: decoded.slice(0, colon), password };
}
