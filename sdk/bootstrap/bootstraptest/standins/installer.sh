#!/bin/sh
# Stand-in for virtualmin-install.sh on a test host. Like the real installer
# it exits 100 when Virtualmin is already installed; otherwise it lays out a
# Webmin configuration under $STANDIN_ROOT, starts the fake miniserv (the
# Virtualmin simulator behind a miniserv look-alike) on the host's address,
# port 10000, and writes the installer's marker last. --uninstall stops it
# and removes the marker.
root="$STANDIN_ROOT"
echo "$*" >> "$root/installer.args"
echo "Welcome to the Virtualmin installer (test stand-in), arguments: $*"
case " $* " in
*" --uninstall "*|*" -u "*)
	echo "Uninstalling Virtualmin"
	pid=$(cat "$root/var/webmin/miniserv.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	rm -f "$root/etc/webmin/virtual-server/installed-auto"
	echo "Virtualmin and Webmin removed"
	exit 0 ;;
esac
if [ -e "$root/etc/webmin/virtual-server/installed-auto" ]; then
	echo "Virtualmin is already installed; to reinstall use --force-reinstall" >&2
	exit 100
fi
mkdir -p "$root/etc/webmin/virtual-server" "$root/var/webmin"
cat > "$root/etc/webmin/miniserv.conf" <<CONF
port=10000
bind=$STANDIN_ADDR
ssl=1
keyfile=$root/etc/webmin/miniserv.pem
pidfile=$root/var/webmin/miniserv.pid
logfile=$root/var/webmin/miniserv.log
session=1
CONF
echo 'root:x:0' > "$root/etc/webmin/miniserv.users"
echo 'root: acl virtual-server webmin useradmin' > "$root/etc/webmin/webmin.acl"
chmod 600 "$root/etc/webmin/miniserv.users"
echo "[1/3] Installing packages"
echo "[2/3] Configuring Webmin"
setsid "$STANDIN_MINISERV" --config "$root/etc/webmin" > "$root/var/webmin/miniserv.out" 2>&1 < /dev/null &
i=0
while [ ! -s "$root/var/webmin/miniserv.pid" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ]; then echo "miniserv did not start" >&2; cat "$root/var/webmin/miniserv.out" >&2; exit 1; fi
	sleep 0.1
done
echo "[3/3] Configuring Virtualmin"
touch "$root/etc/webmin/virtual-server/installed-auto"
echo "Installation Complete"
