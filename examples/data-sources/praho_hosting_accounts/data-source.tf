data "praho_hosting_accounts" "vm1" {
  server = "vm1.example.ro:10000"
}

# Domains on the server that no configuration manages.
output "unmanaged_domains" {
  value = setsubtract(
    data.praho_hosting_accounts.vm1.domains,
    [for a in praho_hosting_account.all : a.domain],
  )
}
