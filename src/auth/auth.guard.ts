import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { MIN_ROLE, PUBLIC_ROUTE, type Principal, type Role } from './roles.js';
import { TokenService } from './token.service.js';

/** viaSession: authenticated by the console's session cookie rather than a bearer token. */
export type AuthedRequest = Request & { principal?: Principal; requestId?: string; viaSession?: boolean };

/** Global guard: every route needs a valid bearer token and its declared minimum role (admin when undeclared). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = req.principal ?? this.tokens.authenticate(req.headers.authorization);
    this.tokens.authorize(principal, this.reflector.getAllAndOverride<Role>(MIN_ROLE, targets) ?? 'admin');
    req.principal = principal;
    return true;
  }
}
