import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import crypto from 'node:crypto';

/** Requires `Authorization: Bearer <PCC_API_TOKEN>` when a token is configured. */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(private readonly token: string | undefined) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const header =
      context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers
        .authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    const expected = Buffer.from(this.token);
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return true;
    throw new UnauthorizedException('missing or wrong API token (Authorization: Bearer …)');
  }
}
