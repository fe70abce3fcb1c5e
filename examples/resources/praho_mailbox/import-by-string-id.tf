import {
  to = praho_mailbox.office
  id = "vm1.example.ro:10000/magazin.example.ro/office"
}
