# Texts of the weixin plugin.

# The provider's name (profile rows, the console's linked accounts).
weixin-name = WeChat
weixin-method = WeChat
weixin-title = Sign in with WeChat
weixin-tip = WeChat will share your nickname and picture with this site
weixin-sign-in = Continue with WeChat
weixin-bound = Linked
weixin-error-state = This WeChat sign-in was not started in this browser, or it took too long. Please start again.
weixin-error-declined = WeChat sign-in was cancelled.
pages-flash-weixin-bound = WeChat is now linked to your account
pages-flash-weixin-unbound = WeChat is no longer linked to your account
