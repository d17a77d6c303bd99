import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { MinRole, Public } from '../auth/roles.js';
import { SESSION_COOKIE, sessionCookie } from '../auth/session.js';
import { StewardError } from '../common/errors.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { validated } from '../http/validate-body.js';
import { type Asset, consoleHeaders, loadAssets } from './console.assets.js';
import { ConsoleSessionService } from './console-session.service.js';

const SIGN_IN = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

/** The console's own API routes: authenticated like every other (signing in aside). */
const CONSOLE_API = new Set(['/console/session', '/console/context']);

/** Requests the auth middleware lets through without credentials: the shell, its assets, and signing in. */
export const isConsolePublic = (method: string, path: string): boolean =>
  CONSOLE_API.has(path) ? method === 'POST' && path === '/console/session' : path === '/console' || path.startsWith('/console/');

/**
 * The web console: one HTML shell for /console and every page under it (deep links such as /console/approvals/{id}),
 * its static ES modules and CSS, and the sign-in session. The shell and assets are public (they hold no data); every
 * data call the pages make is an API call authenticated by the session cookie.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private loaded?: ReturnType<typeof loadAssets>;
  /** Read on first use (in-process CLI commands never serve them), then kept. */
  private get files() {
    return (this.loaded ??= loadAssets());
  }

  constructor(
    @Inject(ConsoleSessionService) private readonly sessions: ConsoleSessionService,
    @Inject(CONFIG) private readonly config: StewardConfig,
  ) {}

  @Post('session')
  @Public()
  @HttpCode(201)
  async signIn(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { token } = validated<{ token: string }>(SIGN_IN, body);
    const { id, view } = await this.sessions.signIn(token);
    consoleHeaders(res).set('Cache-Control', 'no-store');
    res.setHeader('Set-Cookie', this.cookie(req, id, Math.floor(this.sessions.ttlMs / 1000)));
    return view;
  }

  @Get('session')
  @MinRole('viewer')
  async current(@Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    consoleHeaders(res).set('Cache-Control', 'no-store');
    return this.sessions.current(this.sessionOf(req));
  }

  @Delete('session')
  @MinRole('viewer')
  @HttpCode(204)
  async signOut(@Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await this.sessions.signOut(this.sessionOf(req));
    consoleHeaders(res).setHeader('Set-Cookie', this.cookie(req, '', 0));
  }

  @Get('context')
  @MinRole('viewer')
  context(@Res({ passthrough: true }) res: Response) {
    consoleHeaders(res).set('Cache-Control', 'no-store');
    const environments = Object.entries(this.config.environments ?? {}).map(([name, e]) => ({ name, kind: e.kind, description: e.description ?? null }));
    return { environments, llm: !!this.config.llm?.provider };
  }

  @Get('assets/:name')
  @Public()
  asset(@Param('name') name: string, @Res() res: Response) {
    const a: Asset | undefined = this.files.assets.get(name);
    if (!a) throw new StewardError('NOT_FOUND', `the console has no asset ${JSON.stringify(name.slice(0, 100))}`);
    consoleHeaders(res).status(200).set({ 'Content-Type': a.type, 'Cache-Control': 'no-cache' }).send(a.body);
  }

  @Get()
  @Public()
  shell(@Res() res: Response) {
    this.sendShell(res);
  }

  @Get('*path')
  @Public()
  deepLink(@Res() res: Response) {
    this.sendShell(res);
  }

  private sendShell(res: Response) {
    consoleHeaders(res).status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).send(this.files.shell);
  }

  /** The session id of a request authenticated by the cookie; a bearer caller has no console session. */
  private sessionOf(req: AuthedRequest): string {
    const id = req.viaSession ? sessionCookie(req.headers.cookie) : undefined;
    if (!id) throw new StewardError('AUTH_SESSION_INVALID', 'no console session: this request was authenticated by a bearer token, not the console session cookie');
    return id;
  }

  /** Secure when the browser reached the daemon over https (directly, or through notifications.publicUrl's proxy). */
  private cookie(req: Request, value: string, maxAgeSeconds: number): string {
    const secure = req.secure || /^https:/i.test(this.config.notifications?.publicUrl ?? '');
    const expires = new Date(Date.now() + maxAgeSeconds * 1000).toUTCString();
    return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}; Expires=${expires}${secure ? '; Secure' : ''}`;
  }
}
