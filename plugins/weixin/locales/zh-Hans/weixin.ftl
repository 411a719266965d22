# weixin 插件的文字。

# The provider's name (profile rows, the console's linked accounts).
weixin-name = 微信
weixin-method = 微信登录
weixin-title = 微信登录
weixin-tip = 将根据第三方账号服务平台的授权范围获取你的信息
weixin-sign-in = 使用微信登录
weixin-bound = 已绑定
weixin-error-state = 此次微信登录不是在本浏览器中发起的，或已超时，请重新开始。
weixin-error-declined = 已取消微信登录。
pages-flash-weixin-bound = 已绑定微信
pages-flash-weixin-unbound = 已解除微信绑定
