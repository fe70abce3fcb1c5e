import {
  to = praho_virtualmin_server.vm3
  id = "203.0.113.30"
}
