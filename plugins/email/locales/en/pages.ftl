# Page texts of the email plugin.

pages-email-placeholder = Your e-mail address
pages-email-send = Send code
pages-email-resend = Send again
pages-email-countdown = Send again ({"{"}s{"}"})
pages-email-code = Code
pages-email-code-placeholder = The 6-digit code from the e-mail
pages-email-code-to = A code has been sent to { $email }
pages-email-register-title = Register with e-mail
pages-email-register-tip = Solve the image code, then get a code by e-mail
pages-email-register-link = Register with e-mail
pages-email-register-username = Register with a username
pages-email-retrieve-title = Reset your password by e-mail
pages-email-retrieve-link = Reset your password with a code sent by e-mail
pages-email-back-to-login = Back to sign-in
pages-email-bind-title = Link an e-mail address
pages-email-bind-tip = With a linked address you can sign in and reset your password by e-mail
pages-email-bind = Link
pages-email-change = Change

pages-flash-email-sent = The code has been sent
pages-flash-email-bound = Your e-mail address is linked
