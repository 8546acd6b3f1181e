/** The API token: as a Bearer header (scripts, the studio's fetches) or the studio's cookie (images). */
import type { ExecutionContext } from '@nestjs/common';
import { TokenGuard } from '../src/api/token.guard';

const context = (headers: Record<string, string>) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers }) }) }) as unknown as ExecutionContext;

describe('API token guard', () => {
  const guard = new TokenGuard('s3cret-token');
  it('accepts the token as a Bearer header or from the pcc_token cookie', () => {
    expect(guard.canActivate(context({ authorization: 'Bearer s3cret-token' }))).toBe(true);
    expect(guard.canActivate(context({ cookie: 'other=1; pcc_token=s3cret-token' }))).toBe(true);
    expect(guard.canActivate(context({ cookie: `pcc_token=${encodeURIComponent('s3cret-token')}` }))).toBe(
      true,
    );
  });
  it('refuses a missing or wrong token, whichever way it comes', () => {
    expect(() => guard.canActivate(context({}))).toThrow(/missing or wrong API token/);
    expect(() => guard.canActivate(context({ authorization: 'Bearer nope' }))).toThrow();
    expect(() => guard.canActivate(context({ cookie: 'pcc_token=nope' }))).toThrow();
    // A wrong header is not rescued by a right cookie: the header is what a script meant.
    expect(() =>
      guard.canActivate(context({ authorization: 'Bearer nope', cookie: 'pcc_token=s3cret-token' })),
    ).toThrow();
  });
  it('lets everything through when no token is configured (loopback only)', () => {
    expect(new TokenGuard(undefined).canActivate(context({}))).toBe(true);
  });
});
