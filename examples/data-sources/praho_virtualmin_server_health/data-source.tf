# A scheduled `plan` in CI is the fleet's health monitor: a server that is not
# healthy turns into a warning naming the failed checks.
data "praho_virtualmin_server_health" "vm1" {
  endpoint               = "vm1.example.ro:10000"
  tls_fingerprint_sha256 = "3B:7E:1F:09:AA:51:6C:D2:8E:44:90:12:C7:5D:2A:6B:0F:93:E8:71:4C:AD:25:B6:19:8F:60:3E:D4:77:A1:05"
}

check "vm1_health" {
  assert {
    condition     = data.praho_virtualmin_server_health.vm1.healthy
    error_message = "vm1 is ${data.praho_virtualmin_server_health.vm1.status}:\n${data.praho_virtualmin_server_health.vm1.summary}"
  }
}
