# uni-id error and word messages (spec §2.1–2.3), zh-Hans.
# Keys are the uni-id error codes; {param}-style placeholders become Fluent variables.

login = 登录
verify-mobile = 验证手机号
uni-id-token-expired = 登录状态失效，token已过期
uni-id-check-token-failed = token校验未通过
uni-id-account-exists = 此账号已注册
uni-id-account-not-exists = 此账号未注册
uni-id-account-not-exists-in-current-app = 此账号未在该应用注册
uni-id-account-conflict = 用户账号冲突
uni-id-account-banned = 此账号已封禁
uni-id-account-auditing = 此账号正在审核中
uni-id-account-audit-failed = 此账号审核失败
uni-id-account-closed = 此账号已注销
uni-id-captcha-required = 请输入图形验证码
uni-id-password-error = 密码错误
uni-id-password-error-exceed-limit = 密码错误次数过多，请稍后再试
uni-id-invalid-username = 用户名不合法
uni-id-invalid-password = 密码不合法
uni-id-invalid-password-super = 密码必须包含大小写字母、数字和特殊符号，长度8-16位
uni-id-invalid-password-strong = 密码必须包含字母、数字和特殊符号，长度8-16位不合法
uni-id-invalid-password-medium = 密码必须为字母、数字和特殊符号任意两种的组合，长度8-16位
uni-id-invalid-password-weak = 密码必须包含字母和数字，长度6-16位
uni-id-invalid-mobile = 手机号码不合法
uni-id-invalid-email = 邮箱不合法
uni-id-invalid-nickname = 昵称不合法
uni-id-invalid-param = 参数错误
uni-id-param-required = 缺少参数: { $param }
uni-id-get-third-party-account-failed = 获取第三方账号失败
uni-id-get-third-party-user-info-failed = 获取用户信息失败
uni-id-mobile-verify-code-error = 手机验证码错误或已过期
uni-id-email-verify-code-error = 邮箱验证码错误或已过期
uni-id-admin-exists = 超级管理员已存在
uni-id-permission-error = 权限错误
uni-id-system-error = 系统错误
uni-id-set-invite-code-failed = 设置邀请码失败
uni-id-invalid-invite-code = 邀请码不可用
uni-id-change-inviter-forbidden = 禁止修改邀请人
uni-id-bind-conflict = 此账号已被绑定
uni-id-admin-exist-in-other-apps = 超级管理员已在其他控制台注册
uni-id-unbind-failed = 请先绑定后再解绑
uni-id-unbind-not-supported = 不支持解绑
uni-id-unbind-mobile-not-exists = 这是当前唯一登录方式，请绑定手机号后再尝试解绑
uni-id-unbind-password-not-exists = 请先设置密码在尝试解绑
uni-id-unsupported-request = 不支持的请求方式
uni-id-illegal-request = 非法请求
uni-id-frv-fail = 实名认证失败
uni-id-frv-processing = 等待人脸识别
uni-id-realname-verified = 该账号已实名认证
uni-id-idcard-exists = 该证件号码已绑定账号
uni-id-invalid-idcard = 身份证号码不合法
uni-id-invalid-realname = 姓名只能是汉字
uni-id-unknown-error = 未知错误
uni-id-realname-verify-upper-limit = 当日实名认证次数已达上限
uni-id-config-field-required = 缺少配置项: { $field }
uni-id-config-field-invalid = 配置项: { $field }无效

# uni-captcha (spec §2.3)
uni-captcha-create-fail = 验证码生成失败
uni-captcha-verify-fail = 验证码错误
uni-captcha-refresh-fail = 验证码刷新失败：无此设备在 { $scene } 场景信息，请重新获取
uni-captcha-deviceId-required = deviceId不可为空
uni-captcha-text-required = 验证码不可为空
uni-captcha-verify-overdue = 验证码已失效
uni-captcha-verify-pass = 验证码通过
uni-captcha-create-success = 验证码获取成功

# unid: precise texts carried by uni-id codes
unid-unknown-method = 不支持的方法: { $method }
unid-malformed-json = 请求体不是有效的JSON
unid-control-character = 参数{ $param }含有不允许的控制字符
unid-rate-limited = 操作过于频繁，请稍后再试
unid-body-timeout = 请求体未在规定时间内传完
unid-body-too-large = 请求体过大，最大 { $limit } 字节
unid-invalid-client-info = clientInfo 不合法: { $param }
unid-password-too-long = 密码过长，最多 { $max } 字节
unid-password-too-simple = 密码不能是重复或连续的字符，请换一个
unid-password-too-common = 密码过于常见，请换一个
unid-password-length = 密码长度必须为 { $min }-{ $max } 个字符
unid-login-locked = 登录失败次数过多，请稍后再试

# SMS / e-mail test mode answers (spec §1.3, §9.3)
uni-id-invalid-sms-template-id = 未找到scene={ $scene },的短信模版templateId。已启动测试模式，直接使用：123456作为短信验证码即可。
uni-id-invalid-mail-template = 已启动测试模式，直接使用：123456作为邮箱验证码即可。
unid-code-send-limit = 发送过于频繁，请稍后再试
unid-code-send-failed = 验证码发送失败，请稍后再试
unid-no-mobile-bound = 请先绑定手机号
unid-invalid-id = { $field }只能包含字母、数字、_、- 和 .（最多 64 个）
unid-role-built-in = admin 是内置角色：拥有全部权限，不能修改或删除
unid-role-not-found = 没有这个角色
unid-role-exists = 已存在相同 id 的角色
unid-permission-exists = 已存在相同 id 的权限
unid-permission-not-found = 没有这个权限
unid-entry-not-found = 没有这一项
unid-text-too-long = { $field }最多 200 个字符
