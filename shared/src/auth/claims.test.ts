import { describe, expect, it } from 'vitest';
import { JWT_MAX_CLOCK_SKEW_SEC, jwtTimeProblem } from './claims.ts';

const now = 1_700_000_000_000;
const nowSec = now / 1000;

describe('jwtTimeProblem', () => {
  it('requires exp', () => {
    expect(jwtTimeProblem({ iat: nowSec }, now)).toBe('token has no exp claim; Telltale JWTs must expire');
  });

  it('allows iat up to the clock skew ahead, and no further', () => {
    expect(JWT_MAX_CLOCK_SKEW_SEC).toBe(60);
    expect(jwtTimeProblem({ exp: nowSec + 300 }, now)).toBeNull();
    expect(jwtTimeProblem({ exp: nowSec + 300, iat: nowSec - 3600 }, now)).toBeNull();
    expect(jwtTimeProblem({ exp: nowSec + 300, iat: nowSec + 60 }, now)).toBeNull();
    expect(jwtTimeProblem({ exp: nowSec + 300, iat: nowSec + 61 }, now)).toBe(
      'token iat is 61 s in the future; at most 60 s of clock skew is allowed',
    );
    expect(jwtTimeProblem({ exp: nowSec + 86_400, iat: nowSec + 86_400 }, now)).toBe(
      'token iat is 86400 s in the future; at most 60 s of clock skew is allowed',
    );
    expect(jwtTimeProblem({ exp: nowSec + 300, iat: 'soon' }, now)).toBe('token iat claim is not a number');
  });
});
