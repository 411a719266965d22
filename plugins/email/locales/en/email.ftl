# The email plugin's mail (subject, text and HTML bodies). Arguments are plain text; the HTML
# body escapes them. `$plural` is "one" or "other" (arguments reach Fluent as strings, so a
# number selector cannot be used).

unid-email-purpose-register = create your account
unid-email-purpose-login-by-email = sign in
unid-email-purpose-reset-pwd-by-email = reset your password
unid-email-purpose-bind-email = link this e-mail address to your account
unid-email-purpose-unbind-email = unlink this e-mail address from your account

unid-email-subject = Your verification code to { $purpose }
unid-email-subject-named = { $name }: { $subject }
unid-email-greeting = Hello,
unid-email-intro = Use this code to { $purpose }:
unid-email-validity = It is valid for { $minutes } { $plural ->
        [one] minute
       *[other] minutes
    }. Do not share it with anyone.
unid-email-ignore = If you did not ask for this code, you can ignore this e-mail.
