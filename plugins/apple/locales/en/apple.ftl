# Texts of the apple plugin.

apple-method = Apple
apple-title = Sign in with Apple
apple-tip = Apple shares only what you allow: your name, and an e-mail address you may hide
apple-sign-in = Continue with Apple
apple-bind = Link
apple-unbind = Unlink
apple-bound = Linked
apple-back-to-login = Back to sign-in
apple-back-to-profile = Back to your profile
apple-not-on-the-site = Sign in with Apple is not set up on this site.
apple-error-state = This Apple sign-in was not started in this browser, or it took too long. Please start again.
apple-error-declined = Sign in with Apple was cancelled.
pages-flash-apple-bound = Apple is now linked to your account
pages-flash-apple-unbound = Apple is no longer linked to your account
