import type { RequestHandler } from 'express';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { StewardError } from '../common/errors.js';
import type { ServerConfig } from '../config/config.types.js';
import { sendProblem } from './problem.js';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const WILDCARD = ['0.0.0.0', '::'];

/** `example.com:8080` → `example.com`, `[::1]:80` → `::1` */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/**
 * A browser page of this daemon (the console) calling it: its Origin names the host the request is addressed to. The
 * scheme is not compared (a TLS-terminating proxy in front talks http to the daemon).
 */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * DNS-rebinding protection for the whole API (and /mcp): the Host header must name this daemon (loopback names, the
 * bind address, server.allowedHosts), and a browser Origin must be this daemon's own (the Host it addressed) or one of
 * server.allowedOrigins. When the daemon binds every interface and names no allowedHosts, Host is not checked (a proxy
 * in front is expected to do it).
 */
export function hostAndOriginCheck(server: ServerConfig): RequestHandler {
  const hosts = new Set([...LOOPBACK, server.host, ...server.allowedHosts].map((h) => h.toLowerCase()));
  const checkHosts = !(WILDCARD.includes(server.host) && server.allowedHosts.length === 0);
  const origins = new Set(server.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const r = req as AuthedRequest;
    const host = req.headers.host;
    if (checkHosts && (!host || !hosts.has(hostnameOf(host).toLowerCase()))) {
      return sendProblem(res, new StewardError('HOST_FORBIDDEN', `Host ${JSON.stringify(host ?? '')} is not allowed (server.allowedHosts)`), r.requestId, req.path);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase()) && !sameOrigin(origin, host)) {
      return sendProblem(res, new StewardError('ORIGIN_FORBIDDEN', `Origin ${JSON.stringify(origin)} is not allowed (server.allowedOrigins)`), r.requestId, req.path);
    }
    next();
  };
}
