// A real OpenID Provider for the browser test (tests/browser/oidc.rs): node-oidc-provider with
// its built-in login form on 127.0.0.1. Arguments: port, mode ("id-token": the email in the ID
// token; "userinfo": the spec-conformant default, the email only from UserInfo), redirect URI.
import Provider from 'oidc-provider';
const [port, mode, redirect] = process.argv.slice(2);
const configuration = {
  clients: [{
    client_id: 'invite-users-spa',
    token_endpoint_auth_method: 'none',
    redirect_uris: [redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: mode !== 'id-token',
  pkce: { required: () => true },
  clientBasedCORS: () => true,
  cookies: { keys: ['invite-users-test'] },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, email: id, email_verified: true }; } };
  },
};
const oidc = new Provider(`http://127.0.0.1:${port}`, configuration);
oidc.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`));
