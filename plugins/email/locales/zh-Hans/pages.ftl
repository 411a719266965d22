# email 插件的页面文字（uni-id-pages 原文优先）。

pages-email-placeholder = 请输入邮箱
pages-email-send = 获取邮箱验证码
pages-email-resend = 重新发送
pages-email-countdown = 重新发送({"{"}s{"}"})
pages-email-code = 邮箱验证码
pages-email-code-placeholder = 请输入邮箱验证码
pages-email-code-to = 验证码已发送至 { $email }，请查收
pages-email-register-title = 邮箱验证码注册
pages-email-register-tip = 先输入图形验证码，再获取邮箱验证码
pages-email-register-link = 邮箱验证码注册
pages-email-register-username = 用户名密码注册
pages-email-retrieve-title = 通过邮箱重置密码
pages-email-retrieve-link = 通过邮箱验证码找回密码
pages-email-back-to-login = 返回登录
pages-email-bind-title = 绑定邮箱
pages-email-bind-tip = 绑定后可使用邮箱登录和找回密码
pages-email-bind = 绑定
pages-email-change = 更换

pages-flash-email-sent = 邮箱验证码发送成功
pages-flash-email-bound = 邮箱绑定成功
