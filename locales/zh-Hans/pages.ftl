# 页面文字（uni-id-pages 的原文优先）。键名以 pages- 开头；pages-flash-* 是表单提交后的提示。

pages-skip-to-content = 跳到正文
pages-nav-label = 站点导航
pages-test-mode-banner = 测试模式：图形验证码为 1234，短信与邮箱验证码为 123456。请勿用于生产环境。
pages-optional = （选填）
pages-unset = 未设置
pages-link = 绑定
pages-unlink = 解绑
pages-back-to-login = 返回登录
pages-back-to-profile = 返回个人资料
pages-unbound = 未绑定
pages-save = 保存
pages-submit = 提交
pages-back = 返回
pages-cancel = 取消

## 错误页
pages-error-title = 出错了
pages-error-home = 返回首页
pages-error-internal = 服务暂时不可用，请稍后再试。
pages-error-not-found = 页面不存在。
pages-error-method = 请通过页面上的按钮操作。
pages-error-csrf = 页面已过期或来自其他网站，请刷新页面后重试。
pages-error-bad-form = 提交的内容无法识别，请刷新页面后重试。
pages-error-timeout = 提交超时，请重试。
pages-error-too-large = 提交的内容过大。
pages-error-no-method = 当前没有可用的登录方式，请联系管理员。

## 图形验证码
pages-captcha-label = 图形验证码
pages-captcha-placeholder = 请输入验证码
pages-captcha-refresh = 换一张
pages-test-mode-captcha = 测试模式：验证码为 { $answer }

## 协议
pages-agree-prefix = 同意
pages-agree-service = 用户服务协议
pages-agree-and = 和
pages-agree-privacy = 隐私政策条款
pages-agree-required = 请先阅读并同意用户服务协议和隐私政策条款

## 登录方式
pages-switcher-heading = 其他登录方式
pages-method-username = 账号登录

## 登录
pages-login-title = 请选择登录方式
pages-login-password-title = 账号密码登录
pages-login-account = 账号
pages-login-account-placeholder = 请输入手机号/用户名/邮箱
pages-login-account-required = 请输入手机号/用户名/邮箱
pages-password = 密码
pages-password-placeholder = 请输入密码
pages-password-required = 请输入密码
pages-login-submit = 登录
pages-login-forgot = 忘记了？找回密码
pages-login-register = 注册账号

## 注册
pages-register-title = 用户名密码注册
pages-register-admin-title = 创建超级管理员
pages-username = 用户名
pages-username-placeholder = 请输入用户名
pages-nickname = 昵称
pages-nickname-placeholder = 请输入用户昵称
pages-password-again = 再次输入密码
pages-password-mismatch = 两次输入密码不一致
pages-register-submit = 注册
pages-register-admin-submit = 创建管理员
pages-register-have-account = 已有账号？点此登录
pages-password-hint-default = 密码长度为 8–128 位，不能是常见密码
pages-password-hint-super = 密码必须包含大小写字母、数字和特殊符号，密码长度必须在8-16位之间
pages-password-hint-strong = 密码必须包含字母、数字和特殊符号，密码长度必须在8-16位之间
pages-password-hint-medium = 密码必须为字母、数字和特殊符号任意两种的组合，密码长度必须在8-16位之间
pages-password-hint-weak = 密码必须包含字母和数字，密码长度必须在6-16位之间

## 个人资料
pages-userinfo-title = 个人资料
pages-userinfo-avatar = 头像
pages-userinfo-avatar-change = 更换头像
pages-userinfo-avatar-upload = 上传头像
pages-userinfo-username = 用户名
pages-userinfo-mobile = 手机号
pages-userinfo-email = 电子邮箱
pages-avatar-missing = 请选择一张图片
pages-avatar-not-image = 只能上传 PNG、JPEG、GIF 或 WebP 图片
pages-avatar-too-large = 图片不能超过 { $max } KB
pages-logout = 退出登录

## 修改密码
pages-change-pwd-title = 修改密码
pages-set-pwd-title = 设置密码
pages-old-password = 旧密码
pages-new-password = 新密码
pages-change-pwd-note = 修改成功后，所有设备上的登录都会失效，需要用新密码重新登录。

## 注销账号
pages-deactivate-title = 注销账号
pages-deactivate-intro = 注销账号前，请仔细阅读以下内容：
pages-deactivate-point-irreversible = 注销后无法恢复，账号下的资料将无法再访问。
pages-deactivate-point-bindings = 手机号、邮箱和第三方账号的绑定将被解除。
pages-deactivate-point-sessions = 所有设备上的登录会立即失效。
pages-deactivate-confirm = 已经仔细阅读注销提示，知晓可能带来的后果，并确认要注销
pages-deactivate-confirm-required = 请先勾选确认
pages-deactivate-submit = 确认注销

## 表单之后的提示
pages-flash-registered = 注册成功
pages-flash-saved = 更新成功
pages-flash-password-changed = 密码已修改，请用新密码重新登录
pages-flash-deactivated = 注销成功
pages-flash-signed-out = 已退出登录
pages-flash-code-test-mode = 测试模式：验证码未发送，验证码为 123456
