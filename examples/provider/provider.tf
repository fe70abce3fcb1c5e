terraform {
  required_providers {
    praho = {
      source  = "praho/praho"
      version = "~> 0.1"
    }
  }
}

# Credentials usually come from the environment:
#   PRAHO_VIRTUALMIN_USERNAME, PRAHO_VIRTUALMIN_PASSWORD, PDNS_API_URL, PDNS_API_KEY.
provider "praho" {
  virtualmin {
    # Virtualmin's certificates are usually self-signed: pin them.
    certificate_sha256_pins = {
      "vm1.example.ro:10000" = "3F:1A:...:9C" # openssl x509 -noout -fingerprint -sha256
    }
    rate_limit    = 5 # calls per second per server
    max_in_flight = 4
  }

  powerdns {
    api_url   = "http://ns1.example.ro:8081"
    server_id = "localhost"
  }
}
