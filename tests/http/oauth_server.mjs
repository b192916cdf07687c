// A real OAuth 2.1 / OpenID authorization server for the tests: npm `oidc-provider`, configured here.
//
//   node oauth_server.mjs '<json>'   json: {"module": ".../oidc-provider/lib/index.js", "port": N,
//                                           "groups": {"<subject>": ["<group>", ...]}}
//
// It listens on 127.0.0.1:PORT (issuer http://127.0.0.1:PORT), prints "ready <issuer>" on stdout, and serves
// discovery, JWKS, dynamic client registration, authorization code with PKCE, client credentials,
// introspection and resource indicators (RFC 8707) with JWT access tokens (RFC 9068) for any http(s)
// resource. Its signing keys are made at start: nothing here is shared with the tests.
// Sign-in is the development login form (any name is the subject; the test posts it with httpx); consent is
// automatic (loadExistingGrant grants what was asked) unless the client asks for the prompt (prompt=consent,
// as the SDK does with offline_access): then the test submits the development consent form too.
// Pre-registered clients (client credentials, used by the tests to mint tokens they must refuse or accept):
//   minting-client    JWT access tokens       opaque-client    opaque access tokens (introspection)
//   expired-client    JWT access tokens that expired two minutes before they were issued
//   kinsta-mcp-rs     the resource server's own credentials for introspection
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.argv[2]);
const { default: Provider } = await import(pathToFileURL(config.module).href);
const issuer = `http://127.0.0.1:${config.port}`;
const groups = config.groups || {};

const signingKey = () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
};

const SECRET = 'a-test-secret-of-the-oauth-server-0123456789';
const machine = (client_id) => ({
  client_id, client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
});

const provider = new Provider(issuer, {
  clients: [
    machine('minting-client'),
    machine('opaque-client'),
    machine('expired-client'),
    { ...machine('kinsta-mcp-rs'), grant_types: [] },
  ],
  jwks: { keys: [signingKey()] },
  // 'kinsta' and 'other' are the resource's scopes (getResourceServerInfo); listed so clients may register them.
  scopes: ['openid', 'offline_access', 'kinsta', 'other'],
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource, client) => ({
        scope: 'kinsta other',
        audience: resource,
        accessTokenFormat: client.clientId === 'opaque-client' ? 'opaque' : 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: async (ctx, token) => (token.accountId ? { groups: groups[token.accountId] || [] } : {}),
  // Automatic consent: whatever the signed-in user's client asked for (OpenID scopes and, per resource,
  // the resource's scopes) is granted without a consent screen.
  loadExistingGrant: async (ctx) => {
    const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    const asked = (ctx.oidc.params.scope || '').split(' ').filter(Boolean);
    grant.addOIDCScope(asked.filter((s) => s === 'openid' || s === 'offline_access').join(' ') || 'openid');
    const resources = [].concat(ctx.oidc.params.resource || []);
    for (const resource of resources) {
      grant.addResourceScope(resource, asked.filter((s) => s === 'kinsta' || s === 'other').join(' '));
    }
    await grant.save();
    return grant;
  },
  formats: {
    customizers: {
      // The issuer's own signature over a token that expired two minutes before it was issued.
      jwt: async (ctx, token, jwt) => {
        if (token.clientId === 'expired-client') jwt.payload.exp = jwt.payload.iat - 120;
      },
    },
  },
  pkce: { required: () => true },
  ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, Interaction: 600, Session: 600, IdToken: 600, RefreshToken: 600 },
  issueRefreshToken: async () => false,
});
provider.on('server_error', (ctx, err) => process.stderr.write(`oidc-provider server_error: ${err.stack}\n`));

provider.listen(config.port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
