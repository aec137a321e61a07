"""`a2a auth`: OAuth 2 / OpenID Connect logins driven by the Agent Card, and the token store.

`schemes` reads the card's oauth2 / openIdConnect schemes (pure), `store` keeps logins (the OS keyring, else a
0600 file; never imports keyring unless a login lives there), `login` runs a flow (its HTTP in
`a2acli.client.oauth`), `session` is a stored login attached to an agent connection (refreshed when expired).
"""
