// A real OpenID provider for the tests: oidc-provider (OpenID Certified), on 127.0.0.1 only.
//
// node provider.js CONFIG_JSON, where CONFIG_JSON is
//   {"port": 5123, "clients": [{"client_id": …, "client_secret": …, "redirect_uris": […],
//                              "post_logout_redirect_uris": […]}]}
// It prints "ready <issuer>" once it listens.
//
// People: anyone may sign in by typing an e-mail address as the login (any password); their
// claims are {sub, email, email_verified: true, name} unless a test has set others with
// POST /test/accounts/<login> (a JSON object merged over those).
//
// Misbehaving on purpose, for the tests of what the app refuses: POST /test/misbehave with
// {"mode": "audience" | "expired" | "nonce"} makes the next ID token the provider issues carry
// another client's audience, an expiry an hour past, or the nonce of another sign-in. The token
// is still signed with the provider's own key, published in its discovery document.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;
const accountClaims = new Map();
let misbehaviour = null;

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

function claimsFor(login) {
  return {
    sub: login, email: login, email_verified: true, name: login.split('@')[0],
    ...(accountClaims.get(login) || {}),
  };
}

const provider = new Provider(issuer, {
  clients: [...config.clients, {
    // Only its audience is used: see "misbehave" below.
    client_id: 'another-application', client_secret: 'another-application-secret',
    redirect_uris: ['http://127.0.0.1/another-application'],
  }].map((client) => ({ grant_types: ['authorization_code'], response_types: ['code'], ...client })),
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out of the test provider?', `${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
      postLogoutSuccessSource: async (ctx) => { ctx.body = page('Signed out', ''); },
    },
  },
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => claimsFor(id) }),
  // A first-party application: no consent screen, every scope it asks for is granted.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre>${escapeHtml(JSON.stringify(out))}</pre>`);
  },
  cookies: { keys: ['test-provider-cookie-key'] },
});

// The misbehaviours: the token is built by the provider and only one of its inputs is changed.
const issueIdToken = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = async function issue(options = {}) {
  if (options.use !== 'idtoken' || !misbehaviour) return issueIdToken.call(this, options);
  const mode = misbehaviour;
  misbehaviour = null;
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'audience') this.client = await provider.Client.find('another-application');
  if (mode === 'nonce') this.set('nonce', 'the-nonce-of-another-sign-in');
  if (mode === 'expired') {
    this.set('iat', now - 7200);
    return issueIdToken.call(this, { ...options, expiresAt: now - 3600 });
  }
  return issueIdToken.call(this, options);
};

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body || '{}');
}

// The sign-in page (any password) and the test controls, in front of the provider's own routes.
provider.use(async (ctx, next) => {
  const interaction = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (interaction && ctx.method === 'GET') {
    await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = 'html';
    ctx.body = page('Sign in to the test provider', `<form method="post">
<label>E-mail <input type="text" name="login" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>`);
    return;
  }
  if (interaction && ctx.method === 'POST') {
    const form = new URLSearchParams(await new Promise((resolve) => {
      let body = '';
      ctx.req.on('data', (chunk) => { body += chunk; });
      ctx.req.on('end', () => resolve(body));
    }));
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: form.get('login').trim() },
    }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  const account = ctx.path.match(/^\/test\/accounts\/(.+)$/);
  if (account && ctx.method === 'POST') {
    accountClaims.set(decodeURIComponent(account[1]), await readJson(ctx.req));
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/test/misbehave' && ctx.method === 'POST') {
    misbehaviour = (await readJson(ctx.req)).mode;
    ctx.status = 204;
    return;
  }
  await next();
});

createServer(provider.callback()).listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
