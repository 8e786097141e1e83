#!/usr/bin/env bash
# Makes the certificates of a fedsub cluster with the JDK's keytool: a certificate authority
# (CA) and, for each node, a PKCS12 key store (the node's key and its certificate signed by the
# CA) and a trust store holding only the CA, with random passwords in files only the owner
# can read.
#
#   scripts/make-certs.sh [--ca CADIR] OUTDIR NODE[=HOST,...] [NODE[=HOST,...] ...]
#
# NODE is a name ([A-Za-z0-9._-], used for the folder and the certificate's CN); each HOST (a
# DNS name or an IPv4/IPv6 address) is added to the certificate's subject alternative names
# on top of 127.0.0.1 and localhost. Example:
#   scripts/make-certs.sh certs server=coord.example.org,10.0.0.1 client1=10.0.0.2 client2
# Writes (all files 0600, folders 0700):
#   OUTDIR/ca/ca.p12, ca.password  the CA's key: keep it off the nodes, it makes new members
#   OUTDIR/ca/ca.crt               the CA's certificate (PEM)
#   OUTDIR/NODE/keystore.p12, keystore.password, truststore.p12, truststore.password
#                                  what node NODE needs: copy this folder to that machine
# With --ca CADIR (the ca/ folder of an earlier run) the nodes are signed by that CA, so they
# join the cluster it made, and OUTDIR gets only their folders.
# Refuses to run if OUTDIR exists (it never overwrites keys). Needs only keytool (JDK 17+).
set -euo pipefail

me=make-certs
die() { echo "$me: $1" >&2; exit "${2:-1}"; }
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

cadir=""
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --ca)
    [ -n "${2:-}" ] || die "--ca needs the CA folder of an earlier run (OUTDIR/ca)" 2
    cadir="$2"; shift 2
    for f in ca.p12 ca.password ca.crt; do
      [ -r "$cadir/$f" ] || die "--ca $cadir: no readable $f there (expected the ca/ folder of an earlier run)" 2
    done ;;
esac
[ -n "${1:-}" ] || { usage >&2; die "missing OUTDIR and nodes" 2; }
[ "$#" -ge 2 ] || die "no node given after OUTDIR '$1' (usage: make-certs.sh OUTDIR NODE[=HOST,...] ...)" 2
out="$1"; shift

if ! command -v keytool >/dev/null && [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/keytool" ]; then
  PATH="$JAVA_HOME/bin:$PATH"
fi
command -v keytool >/dev/null || die "keytool not found: install a JDK 17+ (Debian: openjdk-17-jdk-headless), put its bin/ on PATH or set JAVA_HOME"
[ -e "$out" ] && die "$out already exists; refusing to overwrite keys (remove it or choose another OUTDIR)" 2

# Validate every argument before anything is written.
declare -a names sans
declare -A seen
for arg in "$@"; do
  name="${arg%%=*}"
  hosts=""
  [ "$name" != "$arg" ] && hosts="${arg#*=}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] && [ "$name" != ca ] && [ "$name" != . ] && [ "$name" != .. ] \
    || die "node name '$name' in '$arg': use letters, digits, '.', '_' or '-' (not 'ca', '.' or '..')" 2
  [ -z "${seen[$name]:-}" ] || die "node '$name' given twice" 2
  seen[$name]=1
  san="ip:127.0.0.1,dns:localhost"
  if [ -n "$hosts" ]; then
    IFS=',' read -r -a hs <<< "$hosts"
    for h in "${hs[@]}"; do
      if [[ "$h" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || [[ "$h" =~ ^[0-9A-Fa-f:]+:[0-9A-Fa-f:]*$ ]]; then
        san="$san,ip:$h"
      elif [[ "$h" =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$ ]]; then
        san="$san,dns:$h"
      else
        die "host '$h' of node '$name' is neither an IP address nor a DNS name" 2
      fi
    done
  fi
  names+=("$name")
  sans+=("$san")
done

umask 077
mkdir -p "$out" || die "cannot create $out"
ok=0
cleanup() { [ "$ok" = 1 ] || { rm -rf "$out"; echo "$me: failed; removed the partial $out" >&2; }; }
trap cleanup EXIT

password() { # 64 hex characters from the kernel's random source, into file $1
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1"
  [ -s "$1" ] || die "could not write a random password to $1"
}
kt() { # keytool, its output shown only when it fails; a JVM that starts fast (C1 only, serial GC):
  # keytool's work is milliseconds, its JVM's start most of a second, and this script starts ~9 a node
  local log
  if ! log=$(keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-Xshare:auto "$@" 2>&1); then
    die "keytool ${1} failed: $(echo "$log" | tr '\n' ' ')"
  fi
}

if [ -n "$cadir" ]; then
  ca="$cadir"
  kt -list -alias ca -keystore "$ca/ca.p12" -storepass:file "$ca/ca.password"
else
  ca="$out/ca"
  mkdir "$ca"
  password "$ca/ca.password"
  kt -genkeypair -alias ca -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -validity 3650 \
    -dname "CN=fedsub cluster CA" -ext bc:c -ext ku:c=keyCertSign,cRLSign \
    -storetype PKCS12 -keystore "$ca/ca.p12" -storepass:file "$ca/ca.password"
  kt -exportcert -rfc -alias ca -keystore "$ca/ca.p12" -storepass:file "$ca/ca.password" -file "$ca/ca.crt"
fi

for i in "${!names[@]}"; do
  name="${names[$i]}"
  dir="$out/$name"
  mkdir "$dir"
  password "$dir/keystore.password"
  password "$dir/truststore.password"
  ks="$dir/keystore.p12"
  # The node's key pair (PKCS12 keeps one password for the store and its keys).
  kt -genkeypair -alias node -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -validity 825 \
    -dname "CN=$name" -storetype PKCS12 -keystore "$ks" -storepass:file "$dir/keystore.password"
  kt -certreq -alias node -keystore "$ks" -storepass:file "$dir/keystore.password" -file "$dir/node.csr"
  # Signed by the CA, for both ends of a TLS connection (every node dials and accepts).
  kt -gencert -alias ca -keystore "$ca/ca.p12" -storepass:file "$ca/ca.password" -rfc -validity 825 \
    -sigalg SHA256withECDSA -infile "$dir/node.csr" -outfile "$dir/node.crt" \
    -ext "san=${sans[$i]}" -ext ku:c=digitalSignature -ext eku=serverAuth,clientAuth
  # The chain CA -> node replaces the self-signed certificate of the key.
  kt -importcert -noprompt -alias ca -file "$ca/ca.crt" -keystore "$ks" -storepass:file "$dir/keystore.password"
  kt -importcert -noprompt -alias node -file "$dir/node.crt" -keystore "$ks" -storepass:file "$dir/keystore.password"
  kt -delete -alias ca -keystore "$ks" -storepass:file "$dir/keystore.password"
  kt -importcert -noprompt -alias ca -file "$ca/ca.crt" -storetype PKCS12 \
    -keystore "$dir/truststore.p12" -storepass:file "$dir/truststore.password"
  rm -f "$dir/node.csr" "$dir/node.crt"
  echo "$me: $dir (${sans[$i]})"
done

ok=1
if [ -n "$cadir" ]; then
  echo "$me: signed by the CA in $ca; copy each node's folder to its machine"
else
  echo "$me: CA in $ca (keep it off the nodes); copy each node's folder to its machine"
fi
