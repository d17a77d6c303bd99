import { Controller, Get, Inject, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { StewardError } from '../common/errors.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { baseUrl, MCP_PATH, PROTECTED_RESOURCE_PATH, protectedResourceMetadata, type ProtectedResourceMetadata } from './oauth-metadata.js';
import { Public } from './roles.js';

/**
 * Where OAuth clients look for an authorization server when they take the resource server for one (the MCP SDK and
 * mcp-remote do when the protected-resource metadata is missing, then try Dynamic Client Registration at /register).
 */
const AUTHORIZATION_SERVER_PROBES = [
  '/.well-known/oauth-authorization-server',
  `/.well-known/oauth-authorization-server${MCP_PATH}`,
  '/.well-known/openid-configuration',
  `/.well-known/openid-configuration${MCP_PATH}`,
  `${MCP_PATH}/.well-known/openid-configuration`,
];

/** Paths answered without credentials (the auth middleware lets them through; they hold no data). */
export const OAUTH_PUBLIC_PATHS = [PROTECTED_RESOURCE_PATH, `${PROTECTED_RESOURCE_PATH}${MCP_PATH}`, ...AUTHORIZATION_SERVER_PROBES, '/register'];

const HEADER_HELP = 'give the client a token from auth.tokens in an Authorization header (mcp-remote <url>/mcp --header "Authorization: Bearer ${STEWARD_TOKEN}")';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for single sign-on with auth.jwt, and plain 404s that say what to
 * do where clients probe for an authorization server Steward does not run.
 */
@ApiExcludeController()
@Controller()
@Public()
export class OAuthController {
  constructor(@Inject(CONFIG) private readonly config: StewardConfig) {}

  @Get(PROTECTED_RESOURCE_PATH.slice(1))
  metadata(@Req() req: Request): ProtectedResourceMetadata {
    return this.document(req);
  }

  @Get(`${PROTECTED_RESOURCE_PATH.slice(1)}${MCP_PATH}`)
  mcpMetadata(@Req() req: Request): ProtectedResourceMetadata {
    return this.document(req);
  }

  @Get(AUTHORIZATION_SERVER_PROBES.map((p) => p.slice(1)))
  authorizationServer(): never {
    throw this.notAnAuthorizationServer();
  }

  @Post('register')
  register(): never {
    throw this.notAnAuthorizationServer();
  }

  private document(req: Request): ProtectedResourceMetadata {
    const jwt = this.config.auth.jwt;
    if (!jwt) {
      throw new StewardError('AUTH_SSO_NOT_CONFIGURED', `single sign-on is not configured (auth.jwt), so no OAuth authorization server protects this daemon: ${HEADER_HELP}`);
    }
    return protectedResourceMetadata(jwt, baseUrl(req, this.config.notifications.publicUrl));
  }

  private notAnAuthorizationServer(): StewardError {
    const jwt = this.config.auth.jwt;
    const sso = jwt ? `get an access token from ${jwt.issuer} (see ${PROTECTED_RESOURCE_PATH}), or ` : '';
    return new StewardError('AUTH_NOT_OAUTH_SERVER', `Steward is not an OAuth authorization server and registers no clients: ${sso}${HEADER_HELP}`);
  }
}
