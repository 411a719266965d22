# Texts of the qq plugin.

# The provider's name (the console's linked accounts).
qq-name = QQ
