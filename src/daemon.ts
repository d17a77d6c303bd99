import 'reflect-metadata';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import cors from 'cors';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream, Logger } from 'pino';
import { AppModule } from './app.module.js';
import { isConsolePublic } from './console/console.controller.js';
import { TokenService, generateToken } from './auth/token.service.js';
import { JwtAuthenticator } from './auth/jwt.authenticator.js';
import { OAUTH_PUBLIC_PATHS } from './auth/oauth.controller.js';
import { StewardError } from './common/errors.js';
import { readPackageJson } from './common/paths.js';
import type { LoadedConfig, TokenConfig } from './config/config.types.js';
import { hostAndOriginCheck } from './http/host-origin.middleware.js';
import { OpenStreams } from './http/open-streams.js';
import { signInLimiter } from './console/sign-in.limiter.js';
import { buildOpenApi } from './http/openapi.document.js';
import { DOCS_PUBLIC_PATHS, mountDocs } from './http/openapi.docs.js';
import { authenticate, jsonBody, requestId, saneUrl } from './http/http.middleware.js';
import { ScrubResponses } from './http/scrub.interceptor.js';
import { createLogger } from './logging/logger.js';
import { NestPinoLogger } from './logging/nest-logger.js';
import { Redactor } from './logging/redactor.js';
import { redactStored } from './logging/stored.js';
import { MetricsService } from './metrics/metrics.service.js';
import { MetaRepository } from './store/meta.repository.js';
import { openStore } from './store/store.factory.js';
import type { Store } from './store/store.types.js';

/**
 * The only routes served without a bearer token (liveness, the docs page with its assets: it asks for a token, and the
 * OAuth protected-resource metadata with the 404s of authorization-server probes).
 */
export const PUBLIC_PATHS = ['/health', ...DOCS_PUBLIC_PATHS, ...OAUTH_PUBLIC_PATHS];

export interface DaemonOptions {
  loaded: LoadedConfig;
  /** Overrides server.port / server.host (the CLI's --port / --host). */
  port?: number;
  host?: string;
  logDestination?: DestinationStream;
  isTty?: boolean;
  /**
   * false: start the application (store, plugins, playbooks, runs with recovery) without an HTTP listener, for the
   * CLI's in-process commands. No port is bound, no OpenAPI document is built, and with no auth.tokens configured no
   * local admin token file is created (nothing can be called over HTTP). `url` is '' and `port` 0.
   */
  listen?: boolean;
}

export interface Daemon {
  app: NestExpressApplication;
  logger: Logger;
  store: Store;
  url: string;
  port: number;
  /** Stops accepting requests, lets in-flight ones finish, closes the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the daemon: logging → tokens → store (migrated) → Nest app → listen. Anything that fails before listening
 * is a StewardError with a message naming what is wrong; whatever was opened is closed again.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { loaded } = opts;
  const { config } = loaded;
  const redactor = new Redactor(loaded.secrets);
  const logger = createLogger({ logging: config.logging, redactor, destination: opts.logDestination, isTty: opts.isTty });
  const listening = opts.listen !== false;
  const tokens = new TokenService(listening ? resolveTokens(loaded, redactor, logger) : loaded.config.auth.tokens);
  // A reload that empties auth.tokens falls back to the local admin token, as a start would.
  if (listening) tokens.whenEmpty = () => resolveTokens(loaded, redactor, logger);
  if (config.auth.jwt) tokens.jwt = new JwtAuthenticator(config.auth.jwt, { publicUrl: config.notifications.publicUrl, logger: logger.child({ component: 'auth' }) });

  const stopRedactingStored = redactStored(redactor);
  const store = await openStore(config.store, { baseDir: loaded.baseDir, logger: logger.child({ component: 'store' }) }).catch((e: unknown) => {
    stopRedactingStored();
    throw e;
  });
  let app: NestExpressApplication | undefined;
  const streams = new OpenStreams();
  try {
    const pkg = readPackageJson();
    const instanceId = await new MetaRepository(store).getOrCreate<string>('instance_id', () => randomUUID());
    const info = { name: 'steward', version: pkg.version, instanceId, startedAt: new Date().toISOString() };
    const openapi: { document?: object } = {};

    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ loaded, logger, redactor, store, tokens, info, openapi }),
      { bodyParser: false, logger: new NestPinoLogger(logger.child({ component: 'nest' })), abortOnError: false },
    );
    Object.assign(app.get(MetricsService).sources, { sseStreams: () => streams.streaming, storePool: () => (store as { poolStats?: () => { total: number; idle: number; waiting: number } }).poolStats?.() });
    app.disable('x-powered-by');
    app.set('trust proxy', false);
    app.use(requestId(logger.child({ component: 'http' })));
    app.use(streams.middleware());
    app.use(saneUrl());
    app.use(hostAndOriginCheck(config.server));
    if (config.server.allowedOrigins.length > 0) {
      app.use(
        cors({
          origin: config.server.allowedOrigins,
          allowedHeaders: ['Authorization', 'Content-Type', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID', 'X-Request-Id'],
          exposedHeaders: ['Mcp-Session-Id', 'X-Request-Id', 'WWW-Authenticate'],
          maxAge: 600,
        }),
      );
    }
    app.use('/console/session', signInLimiter());
    app.use(authenticate(tokens, PUBLIC_PATHS, isConsolePublic));
    app.use(jsonBody(config.server.bodyLimitBytes));
    app.useGlobalInterceptors(new ScrubResponses(redactor));
    if (!listening) {
      await app.init();
      logger.info({ store: store.kind, location: store.location, version: pkg.version }, 'steward started in-process (not listening)');
      return handle(app, logger, store, '', 0, streams, stopRedactingStored);
    }
    openapi.document = buildOpenApi(app, pkg.version, PUBLIC_PATHS);
    mountDocs(app);

    const host = opts.host ?? config.server.host;
    const port = opts.port ?? config.server.port;
    await listen(app, port, host);
    const bound = (app.getHttpServer() as Server).address() as AddressInfo;
    const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
    logger.info({ url, store: store.kind, location: store.location, tokens: tokens.size, version: pkg.version }, 'steward listening');
    return handle(app, logger, store, url, bound.port, streams, stopRedactingStored);
  } catch (e) {
    await app?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    stopRedactingStored();
    throw e;
  }
}

function handle(nest: NestExpressApplication, logger: Logger, store: Store, url: string, port: number, streams: OpenStreams, stopRedactingStored: () => void): Daemon {
  let closing: Promise<void> | undefined;
  return {
    app: nest,
    logger,
    store,
    url,
    port,
    close: () =>
      (closing ??= (async () => {
        const ended = streams.endStreams();
        logger.info({ streamsEnded: ended }, 'shutting down');
        // A stream whose handler was still awaiting (e.g. loading its run) when shutdown began starts later: end those too.
        const sweep = setInterval(() => streams.endStreams(), 100).unref();
        try {
          await nest.close();
        } finally {
          clearInterval(sweep);
        }
        await store.close();
        stopRedactingStored();
        logger.info('stopped');
      })()),
  };
}

async function listen(app: NestExpressApplication, port: number, host: string): Promise<void> {
  try {
    await app.listen(port, host);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StewardError('INTERNAL', `server.port ${port} on ${host} is already in use; stop the other process or choose another port (--port)`);
    if (code === 'EACCES') throw new StewardError('INTERNAL', `not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StewardError('INTERNAL', `server.host ${host} is not an address of this machine`);
    throw e;
  }
}

/**
 * The configured tokens; with none configured, a local admin token is generated once into .steward/admin.token
 * (mode 0600) so a fresh clone is usable without ever printing the token.
 */
function resolveTokens(loaded: LoadedConfig, redactor: Redactor, logger: Logger): TokenConfig[] {
  if (loaded.config.auth.tokens.length > 0) return loaded.config.auth.tokens;
  const file = resolve(loaded.baseDir, '.steward', 'admin.token');
  let token: string;
  if (existsSync(file)) {
    token = readFileSync(file, 'utf8').trim();
  } else {
    token = generateToken();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  redactor.add(token);
  logger.warn({ file }, 'no auth.tokens configured: using the local admin token stored in this file (mode 0600); configure auth.tokens for anything shared');
  return [{ name: 'local-admin', token, role: 'admin' }];
}
