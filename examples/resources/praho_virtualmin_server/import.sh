# The host's address. Add the ssh block and the API password to the
# configuration before the next apply: they cannot be read back.
terraform import praho_virtualmin_server.vm3 203.0.113.30
