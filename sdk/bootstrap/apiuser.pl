#!/usr/bin/perl
# Ensure a Webmin user that may use ONLY the virtual-server module, with that
# module's default ACL (which makes it a Virtualmin master admin, the only
# kind of user remote.cgi accepts on released Virtualmin), and restrict
# Webmin logins to the given source addresses. Idempotent: changes only what
# differs and prints one line per item ("changed: ..." or "ok: ...").
# The password is read from STDIN (first line), so it never appears in argv,
# the environment or the process list.
#
# usage: apiuser.pl <webmin-config-dir> <username> [allowed-address...] < password
#
# Adapted from create-webmin-api-user.pl (tested on Webmin 2.660), which calls
# acl::create_user(): this edits the same two lines of miniserv.users and
# webmin.acl directly (the "equivalent by hand" of that recipe), so that it
# also updates the password of an existing user and runs where Webmin's Perl
# libraries are absent. Then it reloads miniserv with SIGUSR1 (same PID).
use strict; use warnings;
my ($config, $name, @allow) = @ARGV;
die "usage: $0 <webmin-config-dir> <username> [allowed-address...] < password\n" if (!$config || !$name);
$name =~ /^[a-z0-9][a-z0-9._-]*$/i || die "bad username\n";
for my $addr (@allow) { $addr =~ /^[0-9A-Za-z.:\/*-]+$/ || die "bad allowed address\n"; }
my $pass = <STDIN>; defined($pass) || die "no password on stdin\n";
chomp($pass); length($pass) || die "empty password\n";
-d $config || die "no Webmin configuration directory $config\n";
my $changed = 0;

sub read_lines {
	my ($f) = @_;
	open(my $fh, '<', $f) || return ();
	my @l = <$fh>; close($fh); chomp(@l);
	return @l;
}
sub write_lines {
	my ($f, @l) = @_;
	my $mode = (stat($f))[2]; $mode = defined($mode) ? ($mode & 07777) : 0600;
	my $tmp = "$f.praho.$$";
	umask(077);
	open(my $fh, '>', $tmp) || die "cannot write $tmp: $!\n";
	print $fh map { "$_\n" } @l;
	close($fh) || die "cannot write $tmp: $!\n";
	chmod($mode, $tmp); rename($tmp, $f) || die "cannot rename $tmp: $!\n";
}
sub hash_password {
	open(my $r, '<', '/dev/urandom') || die "no /dev/urandom\n";
	read($r, my $bytes, 16); close($r);
	my @c = ('a'..'z', 'A'..'Z', 0..9, '.', '/');
	my $salt = join('', map { $c[ord($_) % 64] } split(//, $bytes));
	my $h = crypt($pass, '$6$'.$salt.'$');
	(defined($h) && $h =~ /^\$6\$/) || die "this host's crypt() has no SHA-512\n";
	return $h;
}
sub report { my ($ch, $what) = @_; $changed ||= $ch; print(($ch ? "changed: " : "ok: ").$what."\n"); }

# miniserv.users: name:hash:...; the hash is checked with crypt(), so an
# unchanged password keeps its hash (and the file its mtime).
my $uf = "$config/miniserv.users";
my @users = read_lines($uf);
my ($found, $ch) = (0, 0);
for my $l (@users) {
	my @f = split(/:/, $l, -1);
	next if (!@f || $f[0] ne $name);
	$found = 1;
	if (!defined($f[1]) || $f[1] eq '' || crypt($pass, $f[1]) ne $f[1]) {
		$f[1] = hash_password();
		$f[6] = time() if (@f > 6);
		$l = join(':', @f); $ch = 1;
	}
}
if (!$found) {
	push(@users, "$name:".hash_password().":::::".time()."::::::::");
	write_lines($uf, @users); report(1, "Webmin user $name created");
} elsif ($ch) {
	write_lines($uf, @users); report(1, "password of Webmin user $name updated");
} else {
	report(0, "Webmin user $name exists with this password");
}

# webmin.acl: "name: modules"; exactly virtual-server.
my $af = "$config/webmin.acl";
my @acl = read_lines($af);
($found, $ch) = (0, 0);
my @kept;
for my $l (@acl) {
	if ($l =~ /^\Q$name\E:\s*(.*)$/) {
		next if ($found++);       # a duplicate line: drop it
		if ($1 ne 'virtual-server') { $ch = 1; $l = "$name: virtual-server"; }
	}
	push(@kept, $l);
}
if (!$found) { push(@kept, "$name: virtual-server"); $ch = 1; }
$ch ||= ($found > 1);
if ($ch) { write_lines($af, @kept); report(1, "Webmin modules of $name set to virtual-server only"); }
else { report(0, "Webmin modules of $name are virtual-server only"); }

# A module ACL file would override the default ACL (noconfig=1 there makes
# the user a non-master admin that remote.cgi refuses).
my $mf = "$config/virtual-server/$name.acl";
if (-e $mf) { unlink($mf) || die "cannot remove $mf: $!\n"; report(1, "custom Virtualmin ACL of $name removed (default ACL applies)"); }
else { report(0, "Virtualmin ACL of $name is the default"); }

# miniserv.conf allow=: the source addresses Webmin accepts logins from.
my $cf = "$config/miniserv.conf";
my @conf = read_lines($cf);
my $pid = '';
for my $l (@conf) { $pid = $1 if ($l =~ /^pidfile=(.*)$/); }
if (@allow) {
	my $want = "allow=".join(' ', @allow);
	my ($have, $ch) = (0, 0);
	for my $l (@conf) {
		next unless $l =~ /^allow=/;
		$have = 1;
		if ($l ne $want) { $l = $want; $ch = 1; }
	}
	if (!$have) { push(@conf, $want); $ch = 1; }
	if ($ch) { write_lines($cf, @conf); report(1, "Webmin logins allowed from ".join(' ', @allow)); }
	else { report(0, "Webmin logins already allowed from ".join(' ', @allow)." only"); }
}

if ($changed) {
	my $p;
	if ($pid ne '' && open(my $fh, '<', $pid)) { $p = <$fh>; close($fh); chomp($p) if defined($p); }
	if ($p && $p =~ /^\d+$/ && kill('USR1', $p)) { print "reloaded: miniserv (pid $p)\n"; }
	else { print "reloaded: none (miniserv is not running; the changes apply when it starts)\n"; }
}
