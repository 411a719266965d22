# Texts of the alipay plugin.

# The provider's name (the console's linked accounts).
alipay-name = Alipay
