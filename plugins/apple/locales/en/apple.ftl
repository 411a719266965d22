# Texts of the apple plugin.

# The provider's name (profile rows, the console's linked accounts).
apple-name = Apple
apple-method = Apple
apple-title = Sign in with Apple
apple-tip = Apple shares only what you allow: your name, and an e-mail address you may hide
apple-sign-in = Continue with Apple
apple-bound = Linked
apple-not-on-the-site = Sign in with Apple is not set up on this site.
apple-error-state = This Apple sign-in was not started in this browser, or it took too long. Please start again.
apple-error-declined = Sign in with Apple was cancelled.
pages-flash-apple-bound = Apple is now linked to your account
pages-flash-apple-unbound = Apple is no longer linked to your account
