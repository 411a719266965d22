# alipay 插件的文字。

# The provider's name (the console's linked accounts).
alipay-name = 支付宝
