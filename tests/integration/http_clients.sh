#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# HTTP/1.1 against the real server on loopback with stock clients (curl, wget, ab, h2load,
# aria2c) and hand-made requests (tests/integration/http_peer.py, standard library only).
# Every body is compared with cmp against its source or against the expected slice of it.
# Takes a minute or two.
#
#	tests/integration/http_clients.sh
#	BOOTHERD_TEST_SERVER=nginx tests/integration/http_clients.sh   # check the test itself
#
# With BOOTHERD_TEST_SERVER=nginx the same cases run against nginx (a tiny nginx.conf in $T,
# the http settings translated as well as nginx allows): many bootherd-specific cases fail
# or skip there; that run exists to check the checks, not nginx.

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
PEER="$HERE/http_peer.py"
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

ngx=0
if [[ "$BOOTHERD_TEST_SERVER" == nginx ]]; then
	ngx=1
	if [[ ! -x "$NGINX" ]]; then
		skip http_clients "nginx not installed"
		exit 0
	fi
elif ! why=$(have_server); then
	skip http_clients "$why"
	exit 0
fi
for c in curl wget ab h2load aria2c python3 ss cmp; do
	if ! command -v "$c" >/dev/null; then
		skip http_clients "$c not installed (scripts/deps.sh)"
		exit 0
	fi
done
# 500 concurrent clients in one process, and as many sockets in the server.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(ms)

ROOT=$T/root
OUT=$T/out
mkdir -p "$ROOT/sub" "$ROOT/a/b" "$OUT" "$T/outside"
chmod 755 "$ROOT" "$ROOT/sub" "$ROOT/a" "$ROOT/a/b" "$T/outside"

# --- fixtures
: >"$ROOT/f0"
head -c 1 /dev/urandom >"$ROOT/f1"
head -c 4096 /dev/urandom >"$ROOT/f4k"
head -c $((1024 * 1024)) /dev/urandom >"$ROOT/f1m"
head -c $((1024 * 1024 + 1)) /dev/urandom >"$ROOT/f1m1"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$ROOT/f20m"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$ROOT/f64m"
head -c 4096 /dev/urandom >"$ROOT/cond.bin"
head -c 300 /dev/urandom >"$ROOT/boot.efi"
echo "#!ipxe" >"$ROOT/menu.ipxe"
echo "set timeout=5" >"$ROOT/grub.cfg"
head -c 100 /dev/urandom >"$ROOT/noext"
cp "$ROOT/f4k" "$ROOT/sub/inner"
head -c 777 /dev/urandom >"$ROOT/a b.txt"
mkfifo "$ROOT/fifo"
echo "secret outside the root $RANDOM$RANDOM" >"$T/outside/secret"
ln -s f4k "$ROOT/link_inside"			# relative, stays inside: served
ln -s /etc/passwd "$ROOT/link_passwd"			# absolute, outside
ln -s ../outside/secret "$ROOT/link_rel_out"		# relative, climbs out
ln -s "$T/outside" "$ROOT/link_dir_out"		# a directory outside
chmod 644 "$ROOT"/f* "$ROOT"/*.* "$ROOT/noext" "$ROOT/sub/inner" "$T/outside/secret"
# Fixed, whole-second modification times: Last-Modified and If-Range dates are exact.
touch -d '2024-01-02 03:04:05 UTC' "$ROOT/f4k" "$ROOT/cond.bin"
PASSWD=/etc/passwd
SECRET=$T/outside/secret

# --- the server under test
# start_http NAME [KEY=VALUE...]: a server on a fresh port serving $ROOT, with http settings
# (max_connections, header_timeout_ms, idle_timeout_ms, max_header_bytes, send, active_sends
# (bootherd only)); sets PORT
# and URL. Returns 1 (and prints why on stderr) when it does not come up.
start_http()
{
	local name=$1 kv i conf
	shift
	local -A o=([max_connections]=2048 [header_timeout_ms]=10000 [idle_timeout_ms]=60000
		[send_timeout_ms]=10000 [max_header_bytes]=8192 [send]=auto [active_sends]=0)
	for kv in "$@"; do
		o[${kv%%=*}]=${kv#*=}
	done
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	if ((ngx)); then
		start_nginx "$name" "${o[send]}" "${o[max_connections]}" "${o[header_timeout_ms]}" \
			"${o[idle_timeout_ms]}" "${o[send_timeout_ms]}" "${o[max_header_bytes]}"
		return
	fi
	conf=$T/$name.yaml
	cat >"$conf" <<EOF
listen: 127.0.0.1
workers: 2
tftp:
  enabled: false
http:
  port: $PORT
  max_connections: ${o[max_connections]}
  header_timeout_ms: ${o[header_timeout_ms]}
  idle_timeout_ms: ${o[idle_timeout_ms]}
  send_timeout_ms: ${o[send_timeout_ms]}
  max_header_bytes: ${o[max_header_bytes]}
  send: ${o[send]}
  active_sends: ${o[active_sends]}
roots:
  - path: $ROOT
EOF
	start_bootherd -c "$conf" || return 1
	for ((i = 0; i < 50; i++)); do
		[[ -n $(ss -Hltn "sport = :$PORT" 2>/dev/null) ]] && return 0
		sleep 0.1
	done
	echo "# bootherd is ready but nothing listens on TCP $PORT (a build without HTTP?)" >&2
	return 1
}

# start_nginx NAME SEND MAX-CONNECTIONS HEADER-MS IDLE-MS SEND-MS MAX-HEADER-BYTES: nginx as a
# stand-in, the settings mapped to their nearest nginx directives. The access log is shaped
# like bootherd's so that the log cases run too.
start_nginx()
{
	local name=$1 send=$2 maxc=$3 hdr_ms=$4 idle_ms=$5 send_ms=$6 hdr_bytes=$7 i
	local dir=$T/nginx-$name sf=on
	[[ $send == copy ]] && sf=off
	mkdir -p "$dir/tmp"
	_lib_nserver=$((_lib_nserver + 1))
	SERVER_LOG=$T/server.$_lib_nserver.log
	: >"$SERVER_LOG"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log stderr info;
pid $dir/nginx.pid;
worker_rlimit_nofile 8192;
events { worker_connections $((maxc + 1)); }
http {
	sendfile $sf;
	log_format bootherd 'http: \$remote_addr:\$remote_port "\$request" \$status \$body_bytes_sent bytes in \$request_time ms';
	access_log /dev/stderr bootherd;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	client_header_timeout ${hdr_ms}ms;
	send_timeout ${send_ms}ms;
	keepalive_timeout ${idle_ms}ms;
	keepalive_requests 100000;
	client_header_buffer_size 1k;
	large_client_header_buffers 4 $((hdr_bytes / 1024))k;
	max_ranges 16;
	types { application/efi efi; text/plain ipxe cfg; }
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/plain;
	server {
		listen 127.0.0.1:$PORT;
		root $ROOT;
	}
}
EOF
	(trap - INT QUIT; exec setsid "$NGINX" -e stderr -p "$dir/" -c "$dir/nginx.conf") \
		>>"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	for ((i = 0; i < 50; i++)); do
		[[ -n $(ss -Hltn "sport = :$PORT" 2>/dev/null) ]] && return 0
		_lib_alive "$SERVER_PID" || break
		sleep 0.1
	done
	echo "# nginx did not start" >&2
	dump_server_log
	return 1
}

# --- helpers
# fetch OUT CURL-ARGS... URL: one curl run; the status in CODE, the response head in $T/h,
# the body in OUT, curl's complaints in $T/curl.err. Returns curl's exit status.
fetch()
{
	local out=$1 rc
	shift
	rm -f "$out" "$T/h"
	CODE=$(curl -sS --max-time 60 -D "$T/h" -o "$out" -w '%{http_code}' "$@" 2>"$T/curl.err")
	rc=$?
	# curl makes no file for an empty body.
	[[ -e "$out" ]] || : >"$out"
	return $rc
}

# hval FIELD: the value of FIELD in the last head in $T/h (case-insensitive), CR stripped.
hval()
{
	tr -d '\r' <"$T/h" | awk -v f="$(tr '[:upper:]' '[:lower:]' <<<"$1")" '
		/^HTTP\// { v = ""; found = 0 }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == f) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); found = 1 } }
		END { if (found) print v }'
}

curl_says()
{
	tr '\n' ' ' <"$T/curl.err" | cut -c1-200
}

head_says()
{
	tr -d '\r' <"$T/h" 2>/dev/null | tr '\n' '|' | cut -c1-300
}

# slice SRC FIRST LAST: bytes FIRST..LAST (inclusive) of SRC into $OUT/want.
slice()
{
	tail -c +$(($2 + 1)) "$1" | head -c $(($3 - $2 + 1)) >"$OUT/want"
}

# get_case NAME FILE CLIENT: fetch FILE whole with CLIENT (curl or wget), cmp with the source.
get_case()
{
	local name=$1 file=$2 client=$3 out=$OUT/$1
	rm -f "$out"
	if [[ $client == curl ]]; then
		if ! fetch "$out" "$URL/$file"; then
			fail "$name" "curl failed: $(curl_says)"
			return 1
		fi
		if [[ $CODE != 200 ]]; then
			fail "$name" "status $CODE, want 200"
			return 1
		fi
	else
		if ! timeout 60 wget -q -O "$out" "$URL/$file" 2>"$T/curl.err"; then
			fail "$name" "wget failed (exit $?): $(curl_says)"
			return 1
		fi
	fi
	check_cmp "$ROOT/$file" "$out" "$name"
	rm -f "$out"
}

# range_case NAME FILE STATUS CONTENT-RANGE FIRST LAST CURL-ARGS...: one range request;
# STATUS and Content-Range must match (CONTENT-RANGE "-": must be absent), and the body must
# equal bytes FIRST..LAST of FILE ("all": the whole file; "none": none of the file's bytes, as
# for a 416).
range_case()
{
	local name=$1 file=$2 want_st=$3 want_cr=$4 first=$5 last=$6 out=$OUT/body cr
	shift 6
	if ! fetch "$out" "$@" "$URL/$file"; then
		fail "$name" "curl failed: $(curl_says)"
		return 1
	fi
	cr=$(hval Content-Range)
	if [[ $CODE != "$want_st" ]]; then
		fail "$name" "status $CODE, want $want_st; head: $(head_says)"
		return 1
	fi
	if [[ $want_cr == - && -n $cr ]]; then
		fail "$name" "Content-Range '$cr' on a $CODE"
		return 1
	elif [[ $want_cr != - && $cr != "$want_cr" ]]; then
		fail "$name" "Content-Range '$cr', want '$want_cr'"
		return 1
	fi
	if [[ $first == none ]]; then
		# A 416 may carry a small explanation, but never the file's bytes.
		if (($(stat -c %s "$out") >= $(stat -c %s "$ROOT/$file"))) ||
			{ [[ -s "$out" ]] && cmp -s -n "$(stat -c %s "$out")" "$out" "$ROOT/$file"; }; then
			fail "$name" "a $CODE with $(stat -c %s "$out") B of the file's bytes"
		else
			ok "$name"
		fi
		return
	fi
	case $first in
	all) cp "$ROOT/$file" "$OUT/want" ;;
	*) slice "$ROOT/$file" "$first" "$last" ;;
	esac
	check_cmp "$OUT/want" "$out" "$name"
}

# peer NAME CASE ARGS...: one result line from http_peer.py.
peer()
{
	local name=$1 out rc
	shift
	out=$(timeout 90 python3 "$PEER" "$PORT" "$@" 2>&1)
	rc=$?
	case $rc in
	0) ok "$name" ;;
	2) skip "$name" "${out:-no reason}" ;;
	*) fail "$name" "$(tr '\n' ' ' <<<"$out" | cut -c1-700)${out:+ }(peer exit $rc)" ;;
	esac
}

# leaked FILE SECRET: FILE holds SECRET's first line, or is a non-empty prefix of SECRET.
leaked()
{
	local n line
	[[ -s "$1" ]] || return 1
	line=$(head -n 1 "$2")
	[[ -n "$line" ]] && grep -qF -- "$line" "$1" && return 0
	n=$(stat -c %s "$1")
	cmp -s -n "$n" "$1" "$2"
}

# escape_case NAME SECRET CURL-ARGS... URL: no 200, no byte of SECRET; a 400, 403 or 404.
escape_case()
{
	local name=$1 secret=$2 out=$OUT/escape
	shift 2
	fetch "$out" "$@"
	if leaked "$out" "$secret"; then
		fail "$name" "status $CODE with the contents of $secret"
	elif [[ $CODE == 400 || $CODE == 403 || $CODE == 404 ]]; then
		ok "$name"
	else
		fail "$name" "status $CODE, want 400, 403 or 404 ($(curl_says))"
	fi
	rm -f "$out"
}

# conns_released NAME: /metrics shows no connection but its own within 3 s (after clients
# that hung up mid-response, the server must have freed theirs).
conns_released()
{
	local v i
	if ((ngx)); then
		skip "$1" "nginx has no /metrics"
		return
	fi
	for ((i = 0; i < 30; i++)); do
		fetch "$OUT/metrics" "$URL/metrics"
		v=$(sed -nE 's/^bootherd_http_connections ([0-9]+)$/\1/p' "$OUT/metrics")
		[[ $v == 1 ]] && break
		sleep 0.1
	done
	if [[ $v == 1 ]]; then
		ok "$1"
	else
		fail "$1" "bootherd_http_connections '$v' 3 s after the clients left, want 1 (this request)"
	fi
}

# log_has NAME REGEX: exactly one line of the server log matches (waits up to 2 s for it).
log_has()
{
	local name=$1 re=$2 n i
	for ((i = 0; i < 20; i++)); do
		n=$(grep -cE -- "$re" "$SERVER_LOG")
		((n >= 1)) && break
		sleep 0.1
	done
	sleep 0.1
	n=$(grep -cE -- "$re" "$SERVER_LOG")
	if ((n == 1)); then
		ok "$name"
	else
		fail "$name" "$n log lines match /$re/, want 1"
	fi
}

if ! start_http main header_timeout_ms=500 idle_timeout_ms=2000; then
	fail http_server_start "server did not start (see log above)"
	exit 1
fi

# --- 1. whole files with curl and wget
for f in f0 f1 f4k f1m1 f64m; do
	get_case "get_${f}_curl" "$f" curl
	get_case "get_${f}_wget" "$f" wget
done
get_case get_subdir_curl sub/inner curl

# --- 2. the head: fields, Content-Type by extension, HEAD against GET
fetch "$OUT/body" "$URL/f4k"
lm_want=$(TZ=GMT LC_ALL=C date -d @"$(stat -c %Y "$ROOT/f4k")" '+%a, %d %b %Y %H:%M:%S GMT')
why=
[[ $CODE == 200 ]] || why+="status $CODE; "
[[ $(hval Content-Length) == 4096 ]] || why+="Content-Length '$(hval Content-Length)'; "
[[ $(hval Accept-Ranges) == bytes ]] || why+="Accept-Ranges '$(hval Accept-Ranges)'; "
[[ $(hval Last-Modified) == "$lm_want" ]] ||
	why+="Last-Modified '$(hval Last-Modified)', want '$lm_want'; "
[[ $(hval ETag) =~ ^\"[^\"]+\"$ ]] || why+="ETag '$(hval ETag)' is not a strong quoted tag; "
d=$(hval Date)
if [[ ! $d =~ ^(Mon|Tue|Wed|Thu|Fri|Sat|Sun),\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ GMT$ ]]; then
	why+="Date '$d' is not an IMF-fixdate; "
elif (($(date -d "$d" +%s) < $(date +%s) - 60 || $(date -d "$d" +%s) > $(date +%s) + 60)); then
	why+="Date '$d' is not now; "
fi
if [[ -z $why ]]; then ok head_fields_f4k; else fail head_fields_f4k "${why%; }"; fi
ETAG_F4K=$(hval ETag)
LM_F4K=$(hval Last-Modified)

ctype_case()	# ctype_case NAME FILE WANT
{
	fetch "$OUT/body" -I "$URL/$2"
	local got
	got=$(hval Content-Type)
	if [[ $CODE == 200 && ${got,,} == "${3,,}" ]]; then
		ok "$1"
	else
		fail "$1" "status $CODE, Content-Type '$got', want '$3'"
	fi
}
ctype_case content_type_efi boot.efi application/efi
ctype_case content_type_ipxe menu.ipxe "text/plain; charset=utf-8"
ctype_case content_type_cfg grub.cfg "text/plain; charset=utf-8"
ctype_case content_type_default noext application/octet-stream
peer head_same_as_get_f4k head_vs_get "$ROOT" f4k
peer head_same_as_get_f0 head_vs_get "$ROOT" f0
peer head_same_as_get_f1m1 head_vs_get "$ROOT" f1m1

# --- 3. ranges (f4k: 4096 bytes)
range_case range_0-0 f4k 206 "bytes 0-0/4096" 0 0 -r 0-0
range_case range_0-499 f4k 206 "bytes 0-499/4096" 0 499 -r 0-499
range_case range_open_500- f4k 206 "bytes 500-4095/4096" 500 4095 -r 500-
range_case range_suffix_-500 f4k 206 "bytes 3596-4095/4096" 3596 4095 -r -500
range_case range_last_byte_clamped f4k 206 "bytes 4000-4095/4096" 4000 4095 -r 4000-99999
range_case range_suffix_longer_than_file f4k 206 "bytes 0-4095/4096" 0 4095 -r -99999
range_case range_last_byte_only f4k 206 "bytes 4095-4095/4096" 4095 4095 -r 4095-4095
range_case range_f1m1_middle f1m1 206 "bytes 1000-1048576/1048577" 1000 1048576 -r 1000-
range_case range_unsatisfiable f4k 416 "bytes */4096" none none -r 99999999-
range_case range_unsatisfiable_at_size f4k 416 "bytes */4096" none none -r 4096-4100
range_case range_reversed_ignored f4k 200 - all all -H 'Range: bytes=5-2'
range_case range_other_unit_ignored f4k 200 - all all -H 'Range: items=0-5'
range_case range_overflow_ignored f4k 200 - all all \
	-H 'Range: bytes=0-99999999999999999999999'
range_case range_overflow_first_ignored f4k 200 - all all \
	-H 'Range: bytes=18446744073709551616-'
range_case range_garbage_ignored f4k 200 - all all -H 'Range: bytes=abc'
# An empty file has no satisfiable range: 416 (bytes */0), or the Range ignored (200).
fetch "$OUT/body" -r 0- "$URL/f0"
if [[ $CODE == 416 && $(hval Content-Range) == "bytes */0" && ! -s "$OUT/body" ]] ||
	[[ $CODE == 200 && ! -s "$OUT/body" ]]; then
	ok range_on_empty_file
else
	fail range_on_empty_file "status $CODE, Content-Range '$(hval Content-Range)', $(stat -c %s "$OUT/body") B"
fi

# multipart_case NAME FILE RANGE-ARG PARTS...: a multipart/byteranges answer, each part checked.
multipart_case()
{
	local name=$1 file=$2 arg=$3 out rc
	shift 3
	if ! fetch "$OUT/mp" -r "$arg" "$URL/$file"; then
		fail "$name" "curl failed: $(curl_says)"
		return
	fi
	out=$(python3 "$PEER" 0 multipart "$T/h" "$OUT/mp" "$ROOT/$file" "$@" 2>&1)
	rc=$?
	if ((rc == 0)); then ok "$name"; else fail "$name" "status $CODE: ${out//$'\n'/ }"; fi
}
multipart_case range_multipart_3 f4k 0-1,5-9,100-199 0-1 5-9 100-199
multipart_case range_multipart_suffix f4k -10,0-9,100-199 4086-4095 0-9 100-199
multipart_case range_multipart_open f4k 0-9,4000- 0-9 4000-4095
# 16 ranges: still multipart, every part there.
r16=$(for ((i = 0; i < 16; i++)); do printf '%d-%d,' $((i * 10)) $((i * 10 + 3)); done)
p16=$(for ((i = 0; i < 16; i++)); do printf '%d-%d ' $((i * 10)) $((i * 10 + 3)); done)
# shellcheck disable=SC2086
multipart_case range_16_ranges_multipart f4k "${r16%,}" $p16
r17=$(for ((i = 0; i < 17; i++)); do printf '%d-%d,' $((i * 10)) $((i * 10 + 3)); done)
range_case range_17_ranges_whole_file f4k 200 - all all -r "${r17%,}"
# Overlapping and adjacent ranges coalesce into one: a single-part 206.
range_case range_overlap_coalesced f4k 206 "bytes 0-149/4096" 0 149 -r 0-99,50-149
range_case range_adjacent_coalesced f4k 206 "bytes 0-19/4096" 0 19 -r 0-9,10-19
# If-Range
range_case if_range_current_etag f4k 206 "bytes 0-99/4096" 0 99 -r 0-99 -H "If-Range: $ETAG_F4K"
range_case if_range_stale_etag f4k 200 - all all -r 0-99 -H 'If-Range: "stale-etag"'
range_case if_range_weak_etag f4k 200 - all all -r 0-99 -H "If-Range: W/$ETAG_F4K"
range_case if_range_last_modified f4k 206 "bytes 0-99/4096" 0 99 -r 0-99 -H "If-Range: $LM_F4K"
range_case if_range_other_date f4k 200 - all all -r 0-99 \
	-H 'If-Range: Mon, 01 Jan 2001 00:00:00 GMT'

# --- 4. conditional requests (cond.bin)
fetch "$OUT/body" "$URL/cond.bin"
ETAG=$(hval ETag)
LM=$(hval Last-Modified)
cond_case()	# cond_case NAME STATUS CURL-ARGS...: 304 with no body, or 200 with the file
{
	local name=$1 want=$2
	shift 2
	fetch "$OUT/body" "$@" "$URL/cond.bin"
	if [[ $CODE != "$want" ]]; then
		fail "$name" "status $CODE, want $want; head: $(head_says)"
	elif [[ $want == 304 ]]; then
		if [[ -s "$OUT/body" ]]; then
			fail "$name" "a 304 with $(stat -c %s "$OUT/body") body bytes"
		elif [[ $(hval ETag) != "$ETAG" ]]; then
			fail "$name" "304 with ETag '$(hval ETag)', want '$ETAG'"
		else
			ok "$name"
		fi
	else
		check_cmp "$ROOT/cond.bin" "$OUT/body" "$name"
	fi
}
if [[ -z $ETAG || -z $LM ]]; then
	fail cond_validators "no ETag ('$ETAG') or Last-Modified ('$LM') in the first response"
else
	ok cond_validators
fi
cond_case cond_inm_current_304 304 -H "If-None-Match: $ETAG"
cond_case cond_inm_list_304 304 -H "If-None-Match: \"other\", $ETAG"
cond_case cond_inm_weak_304 304 -H "If-None-Match: W/$ETAG"
cond_case cond_inm_star_304 304 -H 'If-None-Match: *'
cond_case cond_inm_other_200 200 -H 'If-None-Match: "other"'
cond_case cond_ims_last_modified_304 304 -H "If-Modified-Since: $LM"
cond_case cond_ims_older_200 200 -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT'
cond_case cond_ims_garbage_200 200 -H 'If-Modified-Since: yesterday'
# If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
cond_case cond_inm_beats_ims_200 200 -H 'If-None-Match: "other"' -H "If-Modified-Since: $LM"
# The file changes: new validators, the old ones no longer match, the new bytes are served.
head -c 4096 /dev/urandom >"$ROOT/cond.bin"
touch -d '2024-06-01 00:00:00 UTC' "$ROOT/cond.bin"
OLD_ETAG=$ETAG
fetch "$OUT/body" -H "If-None-Match: $OLD_ETAG" "$URL/cond.bin"
if [[ $CODE != 200 ]]; then
	fail cond_changed_file_200 "status $CODE after the file changed (old ETag $OLD_ETAG)"
elif [[ $(hval ETag) == "$OLD_ETAG" || -z $(hval ETag) ]]; then
	fail cond_changed_file_200 "ETag '$(hval ETag)' did not change"
else
	check_cmp "$ROOT/cond.bin" "$OUT/body" cond_changed_file_200
fi
ETAG=$(hval ETag)
cond_case cond_changed_ims_old_date_200 200 -H "If-Modified-Since: $LM"
cond_case cond_changed_new_etag_304 304 -H "If-None-Match: $ETAG"
# Touched only (same bytes, new mtime): the ETag changes too.
touch -d '2024-07-01 00:00:00 UTC' "$ROOT/cond.bin"
fetch "$OUT/body" "$URL/cond.bin"
if [[ $CODE == 200 && -n $(hval ETag) && $(hval ETag) != "$ETAG" ]]; then
	check_cmp "$ROOT/cond.bin" "$OUT/body" cond_touched_etag_changes
else
	fail cond_touched_etag_changes "status $CODE, ETag '$(hval ETag)' (was '$ETAG')"
fi

# --- 5. connections: keep-alive, pipelining, close
if nc=$(curl -sS --max-time 30 -w '%{num_connects} ' -o "$OUT/k1" "$URL/f4k" \
	-o "$OUT/k2" "$URL/f1m1" -o "$OUT/k3" "$URL/sub/inner" 2>"$T/curl.err"); then
	if [[ $nc != "1 0 0 " ]]; then
		fail keepalive_curl_3_urls_one_connection "connects per transfer: '$nc', want '1 0 0'"
	elif cmp -s "$OUT/k1" "$ROOT/f4k" && cmp -s "$OUT/k2" "$ROOT/f1m1" &&
		cmp -s "$OUT/k3" "$ROOT/sub/inner"; then
		ok keepalive_curl_3_urls_one_connection
	else
		fail keepalive_curl_3_urls_one_connection "a body differs"
	fi
else
	fail keepalive_curl_3_urls_one_connection "curl failed: $(curl_says)"
fi
peer pipeline_2 pipeline "$ROOT" 2 f4k,f1
peer pipeline_10_mixed pipeline "$ROOT" 10 f4k,f1,f0,f1m1,sub/inner
peer pipeline_50_mixed pipeline "$ROOT" 50 f1,f4k,f0
# More pipelined heads than the server's 8 KiB head buffer holds at once.
peer pipeline_300_over_8k_of_heads pipeline "$ROOT" 300 f1,f0,f4k,sub/inner
peer pipeline_big_heads_over_8k big_heads "$ROOT" 5 3000
peer absolute_form_target_rfc9112 absolute_form "$ROOT" f4k
peer request_one_byte_per_segment byte_at_a_time "$ROOT" f4k
peer slow_reader_f64m slow_reader "$ROOT" f64m 1
peer http10_closes close "$ROOT" f4k http10
peer connection_close_honoured close "$ROOT" f4k close
peer post_with_body_no_desync post_body "$ROOT"

# --- 6. errors, each with a raw request; the connection closes where it must
for e in $(python3 "$PEER" 0 error_names); do
	# within_*: just inside a limit, so served.
	if [[ $e == within_* ]]; then n=$e; else n=error_$e; fi
	peer "$n" error "$ROOT" "$e"
done
peer slowloris_408 slowloris 500
peer slowloris_trickle_408 slowloris 500 trickle
peer idle_keepalive_closed idle "$ROOT" f1 2000
peer abort_20_midway abort "$ROOT" f64m 20
conns_released abort_connections_released
if server_alive && fetch "$OUT/alive" "$URL/f4k" && [[ $CODE == 200 ]]; then
	check_cmp "$ROOT/f4k" "$OUT/alive" alive_after_errors
else
	fail alive_after_errors "server dead or not answering: status ${CODE:-none} $(curl_says)"
fi

# --- 7. confinement: nothing outside the root, however it is spelled
escape_case escape_dotdot "$PASSWD" --path-as-is "$URL/../etc/passwd"
escape_case escape_dotdot_deep "$PASSWD" --path-as-is "$URL/../../../../../../etc/passwd"
escape_case escape_sub_dotdot "$PASSWD" --path-as-is "$URL/sub/../../../../etc/passwd"
escape_case escape_encoded_dotdot "$PASSWD" --path-as-is "$URL/%2e%2e/%2e%2e/etc/passwd"
escape_case escape_encoded_dotdot_upper "$PASSWD" --path-as-is \
	"$URL/%2E%2E/%2E%2E/%2E%2E/etc/passwd"
escape_case escape_encoded_slash "$PASSWD" --path-as-is "$URL/a/..%2f..%2f..%2fetc/passwd"
escape_case escape_encoded_slash_all "$PASSWD" --path-as-is \
	"$URL/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd"
escape_case escape_backslash "$PASSWD" --path-as-is "$URL/..%5c..%5c..%5cetc%5cpasswd"
escape_case escape_double_slash_absolute "$PASSWD" --path-as-is "$URL//etc/passwd"
escape_case escape_outside_secret "$SECRET" --path-as-is "$URL/../outside/secret"
escape_case escape_symlink_passwd "$PASSWD" "$URL/link_passwd"
escape_case escape_symlink_rel_out "$SECRET" "$URL/link_rel_out"
escape_case escape_symlink_dir_out "$SECRET" "$URL/link_dir_out/secret"
fetch "$OUT/nul" --path-as-is "$URL/f4k%00.efi"
if cmp -s "$OUT/nul" "$ROOT/f4k" || [[ $CODE == 200 ]]; then
	fail escape_nul "status $CODE for /f4k%00.efi ($(stat -c %s "$OUT/nul") B): served a file"
elif [[ $CODE == 400 || $CODE == 404 ]]; then
	ok escape_nul
else
	fail escape_nul "status $CODE, want 400 or 404"
fi
escape_case escape_nul_passwd "$PASSWD" --path-as-is "$URL/../../etc/passwd%00"
peer escape_absolute_form raw_escape "http://127.0.0.1/../../../../etc/passwd" "$PASSWD"
peer escape_raw_dotdot raw_escape "/../../../../etc/passwd" "$PASSWD"
# Not files: directories and a FIFO (which must not block a worker).
for d in /:root_dir /sub:dir /sub/:dir_slash /fifo:fifo; do
	n=not_served_${d#*:}
	d=${d%%:*}
	fetch "$OUT/nf" --max-time 5 "$URL$d"
	if [[ $CODE == 403 || $CODE == 404 || ($d == /sub && $CODE == 301) ]]; then
		ok "$n"
	else
		fail "$n" "status $CODE for $d, want 403 or 404 ($(curl_says))"
	fi
done
if fetch "$OUT/pd" "$URL/a%20b.txt" && [[ $CODE == 200 ]]; then
	check_cmp "$ROOT/a b.txt" "$OUT/pd" percent_decoded_space
else
	fail percent_decoded_space "status $CODE for /a%20b.txt"
fi
if fetch "$OUT/pd" "$URL/f%34k" && [[ $CODE == 200 ]]; then
	check_cmp "$ROOT/f4k" "$OUT/pd" percent_decoded_letter
else
	fail percent_decoded_letter "status $CODE for /f%34k"
fi
if fetch "$OUT/li" "$URL/link_inside" && [[ $CODE == 200 ]]; then
	check_cmp "$ROOT/f4k" "$OUT/li" symlink_inside_served
else
	fail symlink_inside_served "status $CODE: $(curl_says)"
fi

# --- 8. load and real download tools
if out=$(timeout 60 ab -k -n 2000 -c 50 "$URL/f4k" 2>&1); then
	complete=$(sed -nE 's/^Complete requests: +([0-9]+).*/\1/p' <<<"$out")
	failed=$(sed -nE 's/^Failed requests: +([0-9]+).*/\1/p' <<<"$out")
	non2xx=$(sed -nE 's/^Non-2xx responses: +([0-9]+).*/\1/p' <<<"$out")
	kar=$(sed -nE 's/^Keep-Alive requests: +([0-9]+).*/\1/p' <<<"$out")
	rps=$(sed -nE 's/^Requests per second: +([0-9.]+).*/\1/p' <<<"$out")
	if [[ $complete == 2000 && $failed == 0 && ${non2xx:-0} == 0 ]]; then
		ok ab_keepalive_2000_c50 "$rps req/s, $kar keep-alive requests"
	else
		fail ab_keepalive_2000_c50 "complete '$complete', failed '$failed', non-2xx '${non2xx:-0}'"
	fi
else
	fail ab_keepalive_2000_c50 "ab exit $?: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi
if out=$(timeout 60 h2load --h1 -n 2000 -c 20 "$URL/f4k" 2>&1); then
	line=$(grep -E '^requests:' <<<"$out")
	codes=$(grep -E '^status codes:' <<<"$out")
	if [[ $line =~ 2000\ succeeded,\ 0\ failed,\ 0\ errored,\ 0\ timeout && $codes =~ 2000\ 2xx ]]; then
		ok h2load_h1_2000_c20 "$(grep -E '^finished in' <<<"$out")"
	else
		fail h2load_h1_2000_c20 "$line; $codes"
	fi
else
	fail h2load_h1_2000_c20 "h2load exit $?: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi
rm -f "$OUT/f20m.aria"
n206_before=$(grep -cE '"GET /f20m HTTP/1.1" 206 ' "$SERVER_LOG")
if timeout 60 aria2c -q -x 8 -s 8 -k 1M --file-allocation=none --allow-overwrite=true \
	--auto-file-renaming=false --max-tries=1 --connect-timeout=5 --timeout=30 \
	-d "$OUT" -o f20m.aria "$URL/f20m" >"$T/curl.err" 2>&1; then
	check_cmp "$ROOT/f20m" "$OUT/f20m.aria" aria2c_20m_x8_ranges
	sleep 0.2
	n206=$(($(grep -cE '"GET /f20m HTTP/1.1" 206 ' "$SERVER_LOG") - n206_before))
	if ((n206 >= 2)); then
		ok aria2c_used_parallel_ranges "$n206 range requests"
	else
		fail aria2c_used_parallel_ranges "$n206 '206' lines for /f20m in the log, want >= 2"
	fi
else
	fail aria2c_20m_x8_ranges "aria2c exit $?: $(curl_says)"
	skip aria2c_used_parallel_ranges "aria2c failed"
fi
rm -f "$OUT/f20m.aria"
start=$(ms)
peer concurrent_500_f1m concurrent "$ROOT" f1m 500
note "500 concurrent x 1 MiB: $(($(ms) - start)) ms"

# --- 9. /metrics and the access log
if ((ngx)); then
	skip metrics_requests_total "nginx has no /metrics"
else
	fetch "$OUT/metrics" "$URL/metrics"
	v=$(sed -nE 's/^bootherd_http_requests_total ([0-9]+)$/\1/p' "$OUT/metrics")
	if [[ $CODE == 200 && $(hval Content-Type) == text/plain* && ${v:-0} -gt 0 ]]; then
		ok metrics_requests_total "bootherd_http_requests_total $v"
	else
		fail metrics_requests_total "status $CODE, Content-Type '$(hval Content-Type)', bootherd_http_requests_total '${v:-absent}'"
	fi
fi
tag=$RANDOM$RANDOM
fetch "$OUT/body" "$URL/f4k?log200-$tag"
log_has access_log_200 "^.*http: 127\.0\.0\.1:[0-9]+ \"GET /f4k\?log200-$tag HTTP/1\.1\" 200 4096 bytes in [0-9.]+ ms$"
fetch "$OUT/body" -r 0-99 "$URL/f4k?log206-$tag"
log_has access_log_206 "^.*http: 127\.0\.0\.1:[0-9]+ \"GET /f4k\?log206-$tag HTTP/1\.1\" 206 100 bytes in [0-9.]+ ms$"
fetch "$OUT/body" "$URL/no-such-$tag"
log_has access_log_404 "^.*http: 127\.0\.0\.1:[0-9]+ \"GET /no-such-$tag HTTP/1\.1\" 404 [0-9]+ bytes in [0-9.]+ ms$"
fetch "$OUT/body" -I "$URL/f4k?loghead-$tag"
log_has access_log_head "^.*http: 127\.0\.0\.1:[0-9]+ \"HEAD /f4k\?loghead-$tag HTTP/1\.1\" 200 0 bytes in [0-9.]+ ms$"

if ! server_alive; then
	fail server_alive_at_end "the server died during the tests"
elif stop_bootherd TERM; then
	ok server_exit_0_on_sigterm
else
	fail server_exit_0_on_sigterm "exit status $? after SIGTERM"
fi
note "main server cases: $(($(ms) - T0)) ms"

# --- 10. the 64 MiB file with each send mode (one server each)
for m in auto copy sendfile splice zerocopy; do
	if ((ngx)) && [[ $m == splice || $m == zerocopy ]]; then
		for c in f64m_curl f64m_odd_range f64m_multipart pipeline_10 slow_reader_f64m \
			abort_10_midway connections_released sigterm_exit0; do
			skip "send_${m}_$c" "nginx has sendfile on/off only"
		done
		continue
	fi
	if ! start_http "send-$m" send="$m"; then
		fail "send_${m}_server_start" "server with send: $m did not start"
		continue
	fi
	get_case "send_${m}_f64m_curl" f64m curl
	range_case "send_${m}_f64m_odd_range" f64m 206 "bytes 12345-40000000/67108864" 12345 \
		40000000 -r 12345-40000000
	multipart_case "send_${m}_f64m_multipart" f64m 1-1,70000-1200000,67000000- 1-1 \
		70000-1200000 67000000-67108863
	peer "send_${m}_pipeline_10" pipeline "$ROOT" 10 f1m1,f4k,f0,f64m
	peer "send_${m}_slow_reader_f64m" slow_reader "$ROOT" f64m 0.5
	peer "send_${m}_abort_10_midway" abort "$ROOT" f64m 10
	conns_released "send_${m}_connections_released"
	if ! server_alive; then
		fail "send_${m}_sigterm_exit0" "the server died"
	elif stop_bootherd TERM; then
		ok "send_${m}_sigterm_exit0"
	else
		fail "send_${m}_sigterm_exit0" "exit status $? after SIGTERM"
	fi
done

# --- 11. the connection cap
if start_http cap max_connections=4; then
	peer conn_cap_5th_closed cap 4 f4k "$ROOT"
	sleep 0.3
	if ((ngx)); then
		skip conn_cap_logged "nginx words it differently"
	elif grep -q 'connection cap' "$SERVER_LOG"; then
		ok conn_cap_logged
	else
		fail conn_cap_logged "no 'connection cap' line in the log"
	fi
	if fetch "$OUT/cap" "$URL/f4k" && [[ $CODE == 200 ]]; then
		check_cmp "$ROOT/f4k" "$OUT/cap" conn_cap_serves_after
	else
		fail conn_cap_serves_after "status ${CODE:-none}: $(curl_says)"
	fi
	if stop_bootherd TERM; then
		ok conn_cap_sigterm_exit0
	else
		fail conn_cap_sigterm_exit0 "exit status $? after SIGTERM"
	fi
else
	fail conn_cap_server_start "server with max_connections: 4 did not start"
fi
# --- 12. a reader that stops reading: dropped after send_timeout_ms
if start_http stall send_timeout_ms=1000; then
	peer send_timeout_stalled_reader stalled "$ROOT" f64m 1000
	if ((ngx)); then
		skip send_timeout_logged "nginx words it differently"
	elif grep -q 'took nothing for 1000 ms' "$SERVER_LOG"; then
		ok send_timeout_logged
	else
		fail send_timeout_logged "no 'took nothing for 1000 ms' line in the log"
	fi
	if stop_bootherd TERM; then
		ok stall_sigterm_exit0
	else
		fail stall_sigterm_exit0 "exit status $? after SIGTERM"
	fi
else
	fail stall_server_start "server with send_timeout_ms: 1000 did not start"
fi
# --- 13. http.active_sends: large bodies take turns, the waiting ones get a slice at a time
if ((ngx)); then
	skip active_sends "nginx has no such setting"
elif start_http turns active_sends=2; then
	# Two slow readers of the 20 MiB file hold both slots for 3 s or more (the server is done
	# with a body when its last byte is in the socket buffers, a few MB before curl is).
	hogs=()
	for i in 1 2; do
		curl -s --limit-rate 4M -o "$OUT/turn_hog$i" "$URL/f20m" & hogs+=($!)
	done
	sleep 0.3
	# A third waits: its head and first 64 KiB at once, 64 KiB more every 500 ms.
	t=$(ms)
	curl -s --max-time 1.2 -o "$OUT/turn_wait" "$URL/f20m"
	rc=$? n=$(stat -c %s "$OUT/turn_wait" 2>/dev/null || echo 0)
	if ((rc == 28 && n >= 65536 && n <= 4 * 65536)); then
		ok active_sends_waiting_gets_slices "$n bytes in $(($(ms) - t)) ms while both slots were busy"
	else
		fail active_sends_waiting_gets_slices "curl exit $rc with $n bytes in 1.2 s (want a timeout after 64..256 KiB)"
	fi
	# Small files never wait.
	t=$(ms)
	fetch "$OUT/turn_small" "$URL/f4k"
	if [[ $CODE == 200 ]] && cmp -s "$OUT/turn_small" "$ROOT/f4k" && (($(ms) - t < 500)); then
		ok active_sends_small_file_not_queued "$(($(ms) - t)) ms"
	else
		fail active_sends_small_file_not_queued "status ${CODE:-none} after $(($(ms) - t)) ms"
	fi
	# Three more queue behind the hogs; one asks for the file twice on one connection (it
	# keeps its slot from the first body to the second).
	qs=()
	curl -s -o "$OUT/turn_q1" "$URL/f20m" & qs+=($!)
	curl -s -o "$OUT/turn_q2" "$URL/f20m" & qs+=($!)
	curl -s -o "$OUT/turn_q3a" "$URL/f20m" -o "$OUT/turn_q3b" "$URL/f20m" & qs+=($!)
	wait "${hogs[@]}" "${qs[@]}"
	bad=
	for f in hog1 hog2 q1 q2 q3a q3b; do
		cmp -s "$OUT/turn_$f" "$ROOT/f20m" || bad+=" $f"
	done
	if [[ -z $bad ]]; then
		ok active_sends_all_bytes_right "2 hogs, 3 queued, one kept-alive twice: cmp"
	else
		fail active_sends_all_bytes_right "wrong bytes:$bad"
	fi
	fetch "$OUT/metrics" "$URL/metrics"
	v=$(sed -nE 's/^bootherd_http_queued_total ([0-9]+)$/\1/p' "$OUT/metrics")
	if [[ -n $v ]] && ((v >= 4)); then
		ok active_sends_queued_counted "bootherd_http_queued_total $v"
	else
		fail active_sends_queued_counted "bootherd_http_queued_total '${v:-absent}' (want >= 4)"
	fi
	# Every slot came back: a new download runs at full speed, not a slice at a time.
	sleep 0.5
	t=$(ms)
	if curl -s --max-time 3 -o "$OUT/turn_after" "$URL/f20m" &&
		cmp -s "$OUT/turn_after" "$ROOT/f20m"; then
		ok active_sends_slots_released "20 MiB in $(($(ms) - t)) ms"
	else
		fail active_sends_slots_released "20 MiB not in 3 s after every download ended (a slot kept?)"
	fi
	# Stopped while bodies wait: a clean exit.
	curl -s --limit-rate 4M -o /dev/null "$URL/f20m" & h1=$!
	curl -s --limit-rate 4M -o /dev/null "$URL/f20m" & h2=$!
	curl -s -o /dev/null "$URL/f20m" & h3=$!
	sleep 0.5
	if stop_bootherd TERM; then
		ok active_sends_sigterm_exit0
	else
		fail active_sends_sigterm_exit0 "exit status $? after SIGTERM with bodies waiting"
	fi
	wait $h1 $h2 $h3 2>/dev/null
else
	fail active_sends_server_start "server with active_sends: 2 did not start"
fi
# The other send modes clip a waiting body to its slice too (sendfile is above).
for m in copy splice zerocopy; do
	((ngx)) && break
	if ! start_http "turns-$m" active_sends=1 send="$m"; then
		fail "active_sends_${m}_server_start" "server with send: $m did not start"
		continue
	fi
	curl -s --limit-rate 4M -o "$OUT/turn_${m}_hog" "$URL/f20m" & hog=$!
	sleep 0.3
	curl -s --max-time 1.2 -o "$OUT/turn_${m}_wait" "$URL/f20m"
	rc=$? n=$(stat -c %s "$OUT/turn_${m}_wait" 2>/dev/null || echo 0)
	curl -s -o "$OUT/turn_${m}_after" "$URL/f20m" & after=$!
	wait $hog $after
	if ((rc == 28 && n >= 65536 && n <= 4 * 65536)) &&
		cmp -s "$OUT/turn_${m}_hog" "$ROOT/f20m" && cmp -s "$OUT/turn_${m}_after" "$ROOT/f20m"; then
		ok "active_sends_${m}_slices" "$n bytes while waiting; both bodies whole"
	else
		fail "active_sends_${m}_slices" "curl exit $rc with $n bytes in 1.2 s (want a timeout after 64..256 KiB), or a body not whole"
	fi
	stop_bootherd TERM || fail "active_sends_${m}_sigterm_exit0" "exit status $? after SIGTERM"
done
note "total: $(($(ms) - T0)) ms"
