// The test identity provider's process: npm `oidc-provider` on 127.0.0.1. Started by test/support/idp.ts
// (read that file's header); plain JavaScript so that any Node runs it, the extension host's included.
//
// argv[2]: JSON { port, audience, accessTokenTTL, refreshTokenTTL, signingKeys, users, clients, federation }.
// Once listening it prints one line, {"issuer":"http://127.0.0.1:PORT"}, on stdout.
import { createServer } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import Provider, { errors } from 'oidc-provider';

const options = JSON.parse(process.argv[2] ?? '{}');
const users = new Map(options.users.map((u) => [u.email, u]));

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(options.port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

/** An absolute URI (http, https or urn) names a resource server; anything else is refused. */
const validResource = (r) => /^(https?:\/\/[^#]+|urn:[^#]+)$/.test(r);

function resourceServerInfo(resource) {
  if (!validResource(resource)) throw new errors.InvalidTarget();
  return {
    scope: 'openid email profile groups offline_access',
    audience: resource,
    accessTokenTTL: options.accessTokenTTL,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

const provider = new Provider(issuer, {
  clients: options.clients,
  jwks: { keys: options.signingKeys },
  cookies: { keys: ['sensitivity-test-idp-cookie-key'] },
  // The typed login is the account id: a test user's email. Unknown logins are refused.
  async findAccount(_ctx, id) {
    const user = users.get(id);
    if (!user) return undefined;
    return {
      accountId: user.email,
      claims: async () => ({
        sub: user.email,
        email: user.email,
        email_verified: true,
        name: user.name,
        groups: user.groups,
      }),
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  pkce: { required: () => true },
  // The ID token carries the scopes' claims (email, name, groups): the access token is for the key service, not userinfo.
  conformIdTokenClaims: false,
  ttl: {
    AccessToken: options.accessTokenTTL,
    AuthorizationCode: 60,
    DeviceCode: 600,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 14 * 24 * 3600,
    RefreshToken: options.refreshTokenTTL,
  },
  // Refresh tokens for offline_access, kept across uses (no rotation), so a test can replay one.
  rotateRefreshToken: () => false,
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No `resource` in the request: the key service's audience (so every access token is a JWT for it).
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? options.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => resourceServerInfo(resource),
    },
    // Machines: client credentials (a client secret) for service accounts.
    clientCredentials: { enabled: true },
  },
  // The key service authorises by email and groups: JWT access tokens carry them.
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== 'AccessToken') return undefined;
    const user = users.get(token.accountId);
    return user ? { email: user.email, email_verified: true, name: user.name, groups: user.groups } : undefined;
  },
});
// RFC 8693 token exchange as workload identity federation does it: a CI's own OIDC token (signed by the CI's
// keys, for this issuer, naming the trusted subject) becomes an access token of the client it federates with
// (`sub` = that client's id, the service account). `federation`: { clientId: { issuer, subject, keys } }.
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
provider.registerGrantType(
  TOKEN_EXCHANGE,
  async (ctx) => {
    const { client, params } = ctx.oidc;
    const trust = options.federation?.[client.clientId];
    if (!trust) throw new errors.UnauthorizedClient('this client federates with no CI');
    if (params.subject_token_type !== 'urn:ietf:params:oauth:token-type:jwt' && params.subject_token_type !== 'urn:ietf:params:oauth:token-type:id_token')
      throw new errors.InvalidRequest('subject_token_type must be a JWT or an ID token');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(params.subject_token, createLocalJWKSet({ keys: trust.keys }), { issuer: trust.issuer, audience: issuer }));
    } catch (e) {
      throw new errors.InvalidGrant(`the subject token is not valid (${e.code ?? e.message})`);
    }
    if (claims.sub !== trust.subject) throw new errors.InvalidGrant('the subject token names a subject this client does not trust');
    const resource = params.resource ?? options.audience;
    const token = new provider.ClientCredentials({ client });
    token.resourceServer = new provider.ResourceServer(resource, resourceServerInfo(resource));
    const value = await token.save();
    ctx.body = { access_token: value, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: token.expiration };
  },
  ['subject_token', 'subject_token_type', 'resource', 'audience', 'scope', 'requested_token_type'],
);

// Tests read failures from stderr; oidc-provider's own dev-mode warnings go there too.
provider.on('server_error', (_ctx, err) => console.error('idp server_error', err));
server.on('request', provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + '\n');

// Nothing to flush (all state is in memory): end at once.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
