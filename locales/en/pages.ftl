# Page texts. Keys start with pages-; pages-flash-* are notices shown after a form.

pages-skip-to-content = Skip to content
pages-nav-label = Site
pages-test-mode-banner = Test mode: the captcha is 1234 and SMS and e-mail codes are 123456. Never use this in production.
pages-optional = (optional)
pages-unset = Not set
pages-link = Link
pages-unlink = Unlink
pages-back-to-login = Back to sign-in
pages-back-to-profile = Back to your profile
pages-unbound = Not linked
pages-save = Save
pages-submit = Submit
pages-back = Back
pages-cancel = Cancel

## Error page
pages-error-title = Something went wrong
pages-error-home = Go to the home page
pages-error-internal = The service is unavailable right now. Please try again later.
pages-error-not-found = This page does not exist.
pages-error-method = Please use the buttons on the page.
pages-error-csrf = This page has expired or came from another site. Reload it and try again.
pages-error-bad-form = The form could not be read. Reload the page and try again.
pages-error-timeout = The form took too long to arrive. Please try again.
pages-error-too-large = The form is too large.
pages-error-no-method = No sign-in method is available. Please contact the administrator.

## Captcha
pages-captcha-label = Image code
pages-captcha-placeholder = The characters shown
pages-captcha-refresh = Show another
pages-test-mode-captcha = Test mode: the code is { $answer }

## Agreements
pages-agree-prefix = I agree to the{" "}
pages-agree-service = Terms of Service
pages-agree-and = {" "}and the{" "}
pages-agree-privacy = Privacy Policy
pages-agree-required = Please read and accept the Terms of Service and the Privacy Policy first

## Sign-in methods
pages-switcher-heading = Other ways to sign in
pages-method-username = Password

## Sign in
pages-login-title = Sign in
pages-login-password-title = Sign in with a password
pages-login-account = Account
pages-login-account-placeholder = Mobile number, username or e-mail
pages-login-account-required = Enter your mobile number, username or e-mail
pages-password = Password
pages-password-placeholder = Enter your password
pages-password-required = Enter your password
pages-login-submit = Sign in
pages-login-forgot = Forgot your password?
pages-login-register = Create an account

## Register
pages-register-title = Create an account
pages-register-admin-title = Create the administrator
pages-username = Username
pages-username-placeholder = Letters, digits, _ or -
pages-nickname = Nickname
pages-nickname-placeholder = How others see you
pages-password-again = Repeat the password
pages-password-mismatch = The two passwords do not match
pages-register-submit = Create account
pages-register-admin-submit = Create administrator
pages-register-have-account = Already have an account? Sign in
pages-password-hint-default = 8 to 128 characters, not a common password
pages-password-hint-super = Upper- and lower-case letters, digits and symbols, 8 to 16 characters
pages-password-hint-strong = Letters, digits and symbols, 8 to 16 characters
pages-password-hint-medium = At least two of letters, digits and symbols, 8 to 16 characters
pages-password-hint-weak = Letters and digits, 6 to 16 characters

## Profile
pages-userinfo-title = Your profile
pages-userinfo-avatar = Avatar
pages-userinfo-avatar-change = Change avatar
pages-userinfo-avatar-upload = Upload
pages-userinfo-username = Username
pages-userinfo-mobile = Mobile
pages-userinfo-email = E-mail
pages-avatar-missing = Choose a picture first
pages-avatar-not-image = Only PNG, JPEG, GIF or WebP pictures can be uploaded
pages-avatar-too-large = The picture must be at most { $max } KB
pages-logout = Sign out

## Change password
pages-change-pwd-title = Change password
pages-set-pwd-title = Set a password
pages-old-password = Current password
pages-new-password = New password
pages-change-pwd-note = After the change you are signed out everywhere and sign in again with the new password.

## Close account
pages-deactivate-title = Close account
pages-deactivate-intro = Before you close your account, please read this:
pages-deactivate-point-irreversible = Closing cannot be undone; what is in the account can no longer be reached.
pages-deactivate-point-bindings = Your mobile number, e-mail and linked accounts are released.
pages-deactivate-point-sessions = You are signed out on every device at once.
pages-deactivate-confirm = I have read the notice, understand the consequences and want to close my account
pages-deactivate-confirm-required = Please tick the box to confirm
pages-deactivate-submit = Close my account

## Notices after a form
pages-flash-registered = Your account has been created
pages-flash-saved = Saved
pages-flash-password-changed = Password changed. Sign in with your new password.
pages-flash-deactivated = Your account has been closed
pages-flash-signed-out = You have signed out
pages-flash-code-test-mode = Test mode: nothing was sent; the code is 123456
