# The email plugin's mail (subject, text and HTML bodies). Arguments are plain text; the HTML
# body escapes them.

unid-email-purpose-register = 注册账号
unid-email-purpose-login-by-email = 登录
unid-email-purpose-reset-pwd-by-email = 重置密码
unid-email-purpose-bind-email = 绑定邮箱
unid-email-purpose-unbind-email = 解绑邮箱

unid-email-subject = { $purpose }验证码
unid-email-subject-named = 【{ $name }】{ $subject }
unid-email-greeting = 您好！
unid-email-intro = 您正在{ $purpose }，验证码为：
unid-email-validity = 验证码 { $minutes } 分钟内有效，请勿告诉他人。
unid-email-ignore = 如果这不是您本人的操作，请忽略本邮件。
