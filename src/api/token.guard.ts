import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { tokenMatches } from '../net/access';

/**
 * Requires `Authorization: Bearer <PCC_API_TOKEN>` when a token is configured. The review studio's
 * images cannot send a header, so the token is also accepted from its `pcc_token` cookie (set by
 * the studio, SameSite=Strict; cross-site writes are refused by the Origin check anyway).
 */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(private readonly token: string | undefined) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const headers = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined> }>().headers;
    const cookie = /(?:^|;\s*)pcc_token=([^;]*)/.exec(headers.cookie ?? '')?.[1];
    const bearer = (headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (tokenMatches(bearer || (cookie ? decodeURIComponent(cookie) : ''), this.token)) return true;
    throw new UnauthorizedException('missing or wrong API token (Authorization: Bearer …)');
  }
}
