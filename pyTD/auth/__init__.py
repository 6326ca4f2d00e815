"""Authorization: tokens, the OAuth flow, the callback server and the token manager."""
