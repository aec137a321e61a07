// A real, certified OpenID provider (panva's oidc-provider) for tests/test_auth_oidc.py, on 127.0.0.1 and a free
// port. Prints one JSON line {"issuer": ...} on stdout when it listens. Clients: cc-client (client credentials),
// device-client (public, device flow + refresh), code-client (public native app, authorization code + PKCE on a
// loopback redirect). Access tokens are JWTs for the resource AUDIENCE (resource indicators), lifetimes from the
// environment (AT_TTL, DEVICE_TTL seconds). Two test hooks, outside the provider's own routes:
//   POST /test/device {"user_code", "decision": "approve"|"deny"} decides a pending device code (what a person does
//   at the verification page, minus the browser);
//   the device authorization answer gets "interval": 1 (the provider sends none, so clients would wait 5 s).
import http from 'node:http';
import Provider from 'oidc-provider';

const AUDIENCE = process.env.AUDIENCE || 'urn:a2a:demo';
const AT_TTL = Number(process.env.AT_TTL || 300);
const DEVICE_TTL = Number(process.env.DEVICE_TTL || 60);
export const CC_SECRET = process.env.CC_SECRET || 'cc-secret-0123456789abcdef';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'cc-client',
      client_secret: CC_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'a2a.send',
    },
    {
      client_id: 'device-client',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      redirect_uris: [],
      response_types: [],
    },
    {
      client_id: 'code-client',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://127.0.0.1/callback'],
      response_types: ['code'],
    },
  ],
  scopes: ['openid', 'offline_access', 'a2a.send'],
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => AUDIENCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'a2a.send',
        audience: AUDIENCE,
        accessTokenTTL: AT_TTL,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  ttl: {
    AccessToken: AT_TTL,
    ClientCredentials: AT_TTL,
    DeviceCode: DEVICE_TTL,
    RefreshToken: 3600,
    Grant: 3600,
    Interaction: 600,
    Session: 600,
    IdToken: 600,
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  loadExistingGrant: async (ctx) => {
    // The code flow's consent, given once by the dev interactions, covers the resource too.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  },
});
provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));

async function decideDevice(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const { user_code: userCode, decision } = JSON.parse(Buffer.concat(chunks).toString() || '{}');
  // The provider files user codes normalised (what its verification page does to what a person types).
  const normalized = String(userCode || '').toUpperCase().replace(/[^0-9A-Z]/g, '');
  const code = await provider.DeviceCode.findByUserCode(normalized);
  if (!code) {
    ctx.status = 404;
    ctx.body = { error: 'unknown user_code' };
    return;
  }
  if (decision === 'deny') {
    code.error = 'access_denied';
    code.errorDescription = 'the tester said no';
  } else {
    const grant = new provider.Grant({ accountId: 'tester', clientId: code.clientId });
    const scopes = (code.scope || '').split(' ').filter(Boolean);
    grant.addOIDCScope(scopes.filter((s) => ['openid', 'offline_access'].includes(s)).join(' '));
    grant.addResourceScope(AUDIENCE, 'a2a.send');
    code.grantId = await grant.save();
    code.accountId = 'tester';
    // What the verification page's consent grants: the agent's audience and its scope (a device authorization
    // request names no resource, so the provider files only the OpenID scopes with the code).
    code.resource = AUDIENCE;
    code.scope = [...new Set([...scopes, 'a2a.send'])].join(' ');
    code.authTime = Math.floor(Date.now() / 1000);
  }
  await code.save();
  ctx.body = { ok: true };
}

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/test/device') {
    await decideDevice(ctx);
    return;
  }
  await next();
  if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    ctx.body = { ...ctx.body, interval: 1 };
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
