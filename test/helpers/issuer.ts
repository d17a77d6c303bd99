import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/** A confidential client of the issuer: client_credentials gives it a token with these claims. */
export interface IssuerClient {
  secret: string;
  claims: JWTPayload;
}

/** A key pair made with jose: its public JWK (with kid, alg, use) and the private key to sign with. */
export async function makeKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * An OpenID Connect issuer made in the test, on 127.0.0.1: discovery document, JWKS (keys can be added and removed:
 * rotation), a token endpoint for the client_credentials grant, and `mint` for tokens of any shape. It counts JWKS
 * fetches and records the token requests it gets (RFC 8707 `resource` included).
 */
export class LocalIssuer {
  url = '';
  readonly keys: SigningKey[] = [];
  readonly clients = new Map<string, IssuerClient>();
  readonly tokenRequests: Array<Record<string, string>> = [];
  jwksFetches: number[] = [];
  private server?: Server;

  /** The audience tokens from the token endpoint carry. */
  constructor(readonly audience: string) {}

  async start(): Promise<this> {
    this.keys.push(await makeKey('key-1'));
    this.server = createServer((req, res) => void this.handle(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    }));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Adds a key to the JWKS (rotation); it signs from now on when `mint` names it. */
  async rotate(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
    const key = await makeKey(kid, alg);
    this.keys.push(key);
    return key;
  }

  /** A signed JWT: iss, aud, iat, exp (1 h) filled unless given; signed by the newest key unless `key` says otherwise. */
  async mint(claims: JWTPayload, o: { key?: SigningKey; kid?: string | null; expiresIn?: string | number | null } = {}): Promise<string> {
    const key = o.key ?? this.keys.at(-1)!;
    const kid = o.kid === undefined ? key.kid : o.kid;
    const jwt = new SignJWT({ iss: this.url, aud: this.audience, ...claims }).setProtectedHeader({ alg: key.alg, typ: 'at+jwt', ...(kid === null ? {} : { kid }) }).setIssuedAt();
    if (o.expiresIn !== null) jwt.setExpirationTime(o.expiresIn ?? '1h');
    return jwt.sign(key.privateKey);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: this.url,
          jwks_uri: `${this.url}/jwks`,
          token_endpoint: `${this.url}/token`,
          authorization_endpoint: `${this.url}/authorize`,
          response_types_supported: ['code'],
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        },
      };
    }
    if (req.method === 'GET' && path === '/jwks') {
      this.jwksFetches.push(Date.now());
      return { status: 200, body: { keys: this.keys.map((k) => k.jwk) } };
    }
    if (req.method === 'POST' && path === '/token') return this.token(req);
    return { status: 404, body: { error: 'not_found' } };
  }

  /** client_credentials only, client_secret_basic or client_secret_post. */
  private async token(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const form = Object.fromEntries(new URLSearchParams(text));
    this.tokenRequests.push(form);
    let [id, secret] = [form.client_id, form.client_secret];
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic) [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent);
    const client = id ? this.clients.get(id) : undefined;
    if (form.grant_type !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (!client || client.secret !== secret) return { status: 401, body: { error: 'invalid_client' } };
    const access = await this.mint({ sub: id, ...client.claims });
    return { status: 200, body: { access_token: access, token_type: 'Bearer', expires_in: 3600 } };
  }
}
