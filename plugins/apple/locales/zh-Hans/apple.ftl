# apple 插件的文字。

# The provider's name (profile rows, the console's linked accounts).
apple-name = Apple
apple-method = 苹果登录
apple-title = 通过 Apple 登录
apple-tip = 将根据第三方账号服务平台的授权范围获取你的信息
apple-sign-in = 通过 Apple 登录
apple-bound = 已绑定
apple-not-on-the-site = 本站尚未配置通过 Apple 登录。
apple-error-state = 此次 Apple 登录不是在本浏览器中发起的，或已超时，请重新开始。
apple-error-declined = 已取消通过 Apple 登录。
pages-flash-apple-bound = 已绑定 Apple 账号
pages-flash-apple-unbound = 已解除 Apple 账号绑定
