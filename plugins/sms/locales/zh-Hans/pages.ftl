# sms 插件的页面文字（uni-id-pages 原文优先）。

pages-method-sms = 短信验证码
pages-sms-auto-register = 未注册的账号验证通过后将自动注册
pages-sms-mobile-placeholder = 请输入手机号
pages-sms-mobile-invalid = 手机号码格式不正确
pages-sms-get-code = 获取验证码
pages-sms-send = 获取短信验证码
pages-sms-resend = 重新发送
pages-sms-countdown = 重新发送({"{"}s{"}"})
pages-sms-code = 短信验证码
pages-sms-code-placeholder = 请输入短信验证码
pages-sms-code-to = 先输入图形验证码，再获取短信验证码，验证码将发送至 { $mobile }
pages-sms-change-number = 更换手机号
pages-sms-login-title = 手机验证码登录
pages-sms-retrieve-title = 重置密码
pages-sms-retrieve-tip = 通过手机验证码找回密码
pages-sms-back-to-login = 返回登录
pages-sms-bind-title = 绑定手机号码
pages-sms-bind-tip = 绑定后可使用手机号登录和找回密码
pages-sms-bind-mobile = 绑定
pages-sms-change-mobile = 更换
pages-sms-set-pwd-tip = 验证码将发送至已绑定的手机号 { $mobile }
pages-sms-set-pwd-password = 输入密码
pages-sms-set-pwd-submit = 确认
pages-sms-set-pwd-needs-mobile = 设置密码需要先绑定手机号，用于接收验证码。
pages-sms-skip = 跳过

pages-flash-sms-sent = 短信验证码发送成功
pages-flash-password-reset = 密码已重置，请用新密码登录
pages-flash-mobile-bound = 手机号绑定成功
pages-flash-password-set = 密码设置成功
