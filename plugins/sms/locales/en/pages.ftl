# Page texts of the sms plugin.

pages-method-sms = Text message
pages-sms-auto-register = An account is created for a new number once it is verified
pages-sms-mobile-placeholder = Mobile number
pages-sms-mobile-invalid = That is not a valid mainland China mobile number
pages-sms-get-code = Get a code
pages-sms-send = Send code
pages-sms-resend = Send again
pages-sms-countdown = Send again ({"{"}s{"}"})
pages-sms-code = Code
pages-sms-code-placeholder = The 6-digit code from the text message
pages-sms-code-to = Solve the image code, then get a text message code sent to { $mobile }
pages-sms-change-number = Use another number
pages-sms-login-title = Sign in with a text message
pages-sms-retrieve-title = Reset your password
pages-sms-retrieve-tip = Reset your password with a code sent to your mobile
pages-sms-back-to-login = Back to sign-in
pages-sms-bind-title = Link a mobile number
pages-sms-bind-tip = With a linked number you can sign in and reset your password by text message
pages-sms-bind-mobile = Link
pages-sms-change-mobile = Change
pages-sms-set-pwd-tip = The code goes to your linked number { $mobile }
pages-sms-set-pwd-password = Password
pages-sms-set-pwd-submit = Confirm
pages-sms-set-pwd-needs-mobile = To set a password, first link a mobile number to receive the code.
pages-sms-skip = Skip

pages-flash-sms-sent = The code has been sent
pages-flash-password-reset = Your password has been reset. Sign in with the new one.
pages-flash-mobile-bound = Your mobile number is linked
pages-flash-password-set = Your password is set
