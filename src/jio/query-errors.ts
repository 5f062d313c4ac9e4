// Query language errors (src/shared/query) as the storage layer reports them: bad requests, a
// syntax error keeping its position and what was expected there.
import { QueryInputError, QuerySyntaxError } from '../shared/query/index.ts';
import { JioError } from './errors.ts';

export function queryErrorToJioError(error: unknown): unknown {
  if (error instanceof QuerySyntaxError) {
    return new JioError('bad_request', error.message, {
      reason: 'invalid_query',
      position: error.position,
      expected: error.expected,
    });
  }
  if (error instanceof QueryInputError) {
    return new JioError('bad_request', error.message, { reason: 'invalid_option' });
  }
  return error;
}
