#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The command line: help, version, `check`, start-up errors, and the signals of `serve`
# (SIGHUP reloads, a broken config is refused and the old one kept, SIGTERM/SIGINT exit 0).

set -uo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_bootherd cli "tests the bootherd command line, not $BOOTHERD_TEST_SERVER"

oneline()
{
	tr '\n' ' ' <"$1" | cut -c1-200
}

# --- help, version
timeout 10 "$BOOTHERD" --help >"$T/help" 2>&1
rc=$?
if ((rc != 0)); then
	fail help "exit status $rc: $(oneline "$T/help")"
elif ! grep -qw serve "$T/help" || ! grep -qw check "$T/help"; then
	fail help "--help does not mention serve and check: $(oneline "$T/help")"
else
	ok help
fi

timeout 10 "$BOOTHERD" --version >"$T/version" 2>&1
rc=$?
if ((rc != 0)); then
	fail version "exit status $rc: $(oneline "$T/version")"
elif ! grep -q '[[:alnum:]]' "$T/version"; then
	fail version "--version printed nothing"
else
	ok version
	note "version: $(head -n1 "$T/version")"
fi

timeout 10 "$BOOTHERD" no-such-command >"$T/unknown" 2>&1
rc=$?
if ((rc == 0)); then
	fail unknown_subcommand "exit status 0 for an unknown subcommand"
elif ((rc >= 124)); then
	fail unknown_subcommand "exit status $rc (hang or crash): $(oneline "$T/unknown")"
else
	ok unknown_subcommand
fi

# --- check
example=$TOP/conf/bootherd.yaml
if [[ ! -f "$example" ]]; then
	skip check_example "conf/bootherd.yaml does not exist yet"
else
	timeout 10 "$BOOTHERD" check -c "$example" >"$T/check" 2>&1
	rc=$?
	# The example names production directories (/srv/...) that this machine may lack, and
	# check verifies that roots exist: then check a copy with each root moved under $T.
	if ((rc != 0)) && grep -q 'No such file or directory' "$T/check"; then
		cp "$example" "$T/example.yaml"
		sed -nE 's/^[[:space:]]*-?[[:space:]]*path:[[:space:]]*"?([^"#[:space:]]+)"?.*/\1/p' \
			"$example" | sort -u >"$T/example.paths"
		while IFS= read -r d; do
			[[ -e "$d" ]] && continue
			mkdir -p "$T/fake$d"
			sed -i "s|path: *\"\?$d\"\?|path: $T/fake$d|" "$T/example.yaml"
		done <"$T/example.paths"
		note "check_example: roots missing here, checking a copy with them under $T/fake"
		timeout 10 "$BOOTHERD" check -c "$T/example.yaml" >"$T/check" 2>&1
		rc=$?
	fi
	if ((rc == 0)); then
		ok check_example
	else
		fail check_example "check -c conf/bootherd.yaml: exit $rc: $(oneline "$T/check")"
	fi
fi

# An unknown key on line 3 must be reported as FILE:3:COL: and fail the check.
bad=$T/unknown-key.yaml
printf '# bootherd test config\n# the next line has a key no version knows\nno_such_key: 1\n' >"$bad"
timeout 10 "$BOOTHERD" check -c "$bad" >"$T/check-bad" 2>&1
rc=$?
if ((rc == 0)); then
	fail check_unknown_key "exit status 0 for a config with an unknown key"
elif ((rc >= 124)); then
	fail check_unknown_key "exit status $rc (hang or crash): $(oneline "$T/check-bad")"
elif ! grep -qF "$bad:3:" "$T/check-bad"; then
	fail check_unknown_key "no '$bad:3:COL:' diagnostic: $(oneline "$T/check-bad")"
elif ! grep -qE "$(printf '%s' "$bad" | sed 's/[.[\*^$]/\\&/g'):3:[0-9]+:" "$T/check-bad"; then
	fail check_unknown_key "diagnostic lacks a column: $(oneline "$T/check-bad")"
else
	ok check_unknown_key
fi

# A YAML syntax error is a diagnostic too, not a crash.
printf 'roots:\n  - {path: /tmp, prefix: /\n' >"$T/syntax.yaml"
timeout 10 "$BOOTHERD" check -c "$T/syntax.yaml" >"$T/check-syntax" 2>&1
rc=$?
if ((rc == 0)); then
	fail check_syntax_error "exit status 0 for broken YAML"
elif ((rc >= 124)); then
	fail check_syntax_error "exit status $rc (hang or crash): $(oneline "$T/check-syntax")"
elif ! grep -qE "syntax\.yaml:[0-9]+:[0-9]+:" "$T/check-syntax"; then
	fail check_syntax_error "no file:line:col: diagnostic: $(oneline "$T/check-syntax")"
else
	ok check_syntax_error
fi

# --- serve: start-up errors
PORT=$(free_port)
timeout 10 "$BOOTHERD" serve --root /nonexistent --listen 127.0.0.1 --tftp-port "$PORT" \
	--http-port 0 >"$T/noroot" 2>&1
rc=$?
if ((rc == 0)); then
	fail serve_missing_root "exit status 0 with --root /nonexistent"
elif ((rc == 124)); then
	fail serve_missing_root "still running after 10 s with --root /nonexistent"
elif ((rc > 128)); then
	fail serve_missing_root "killed by signal $((rc - 128)): $(oneline "$T/noroot")"
elif ! grep -q /nonexistent "$T/noroot"; then
	fail serve_missing_root "the message does not name /nonexistent: $(oneline "$T/noroot")"
else
	ok serve_missing_root
fi

# --- serve: reloads. The roots come from the config file, so a reload can change them.
A=$T/rootA
B=$T/rootB
mkdir -p "$A" "$B"
chmod 755 "$A" "$B"
head -c 5000 /dev/urandom >"$A/a.bin"
head -c 7000 /dev/urandom >"$B/b.bin"
chmod 644 "$A/a.bin" "$B/b.bin"
CONF=$T/bootherd.yaml
write_conf()
{
	printf 'roots:\n  - path: %s\n    prefix: /\n' "$1" >"$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}

# fetch_ok NAME EXPECTED: curl NAME from the server and compare with EXPECTED.
fetch_ok()
{
	rm -f "$T/got"
	timeout 10 curl -sS -o "$T/got" "tftp://127.0.0.1:$PORT/$1" >"$T/curl.out" 2>&1 &&
		cmp -s "$T/got" "$2"
}

# wait_log_after OFFSET REGEX: up to 3 s for a log line after byte OFFSET to match REGEX.
wait_log_after()
{
	local i
	for ((i = 0; i < 30; i++)); do
		tail -c +"$(($1 + 1))" "$SERVER_LOG" | grep -qiE "$2" && return 0
		sleep 0.1
	done
	return 1
}

write_conf "$A"
PORT=$(free_port)
if ! start_bootherd --listen 127.0.0.1 --tftp-port "$PORT" --http-port 0 --log-level debug \
	-c "$CONF"; then
	fail serve_with_config "server did not start with -c (log above)"
	exit 1
fi
if fetch_ok a.bin "$A/a.bin"; then
	ok serve_with_config
else
	fail serve_with_config "fetch of a.bin failed: $(oneline "$T/curl.out")"
fi

# A good reload switches to root B.
write_conf "$B"
off=$(stat -c %s "$SERVER_LOG")
kill -HUP "$SERVER_PID"
reloaded=0
for ((i = 0; i < 30; i++)); do
	if fetch_ok b.bin "$B/b.bin"; then
		reloaded=1
		break
	fi
	sleep 0.1
done
if ((reloaded)) && server_alive; then
	ok sighup_reload
else
	fail sighup_reload "b.bin not served within 3 s of SIGHUP with root B: $(oneline "$T/curl.out")"
fi

# A reload with broken YAML keeps the running config and says why.
printf 'roots:\n  - {path: %s, prefix: /\n' "$A" >"$CONF"
off=$(stat -c %s "$SERVER_LOG")
kill -HUP "$SERVER_PID"
if wait_log_after "$off" 'error|invalid|fail|cannot|refus|keep'; then
	logged=1
else
	logged=0
fi
if ! server_alive; then
	fail sighup_broken_config "the server died after SIGHUP with a broken config"
elif ! fetch_ok b.bin "$B/b.bin"; then
	fail sighup_broken_config "fetch after SIGHUP with a broken config failed: $(oneline "$T/curl.out")"
elif ((!logged)); then
	fail sighup_broken_config "still serving, but no error logged within 3 s of the SIGHUP"
else
	ok sighup_broken_config
fi

# Same with valid YAML that names an unknown key.
printf 'roots:\n  - path: %s\n    prefix: /\n    bogus: 1\n' "$A" >"$CONF"
off=$(stat -c %s "$SERVER_LOG")
kill -HUP "$SERVER_PID"
if wait_log_after "$off" 'bogus|unknown'; then
	logged=1
else
	logged=0
fi
if ! server_alive; then
	fail sighup_unknown_key "the server died after SIGHUP with an unknown key"
elif ! fetch_ok b.bin "$B/b.bin"; then
	fail sighup_unknown_key "fetch after SIGHUP with an unknown key failed: $(oneline "$T/curl.out")"
elif ((!logged)); then
	fail sighup_unknown_key "still serving, but nothing logged about the unknown key 'bogus'"
else
	ok sighup_unknown_key
fi

# SIGTERM: exit 0.
stop_bootherd TERM
rc=$?
if ((rc == 0)); then
	ok sigterm_exit_0
else
	fail sigterm_exit_0 "exit status $rc after SIGTERM"
fi

# SIGINT: exit 0 too.
write_conf "$A"
PORT=$(free_port)
if ! start_bootherd --listen 127.0.0.1 --tftp-port "$PORT" --http-port 0 -c "$CONF"; then
	fail sigint_exit_0 "server did not start"
else
	stop_bootherd INT
	rc=$?
	if ((rc == 0)); then
		ok sigint_exit_0
	else
		fail sigint_exit_0 "exit status $rc after SIGINT"
	fi
fi

# Restarting at once on the same port must work (a service manager does just that). The
# port has to be free when the old process has been reaped, not some milliseconds later.
mkdir -p "$T/rs"
echo "restart" >"$T/rs/x"
chmod 755 "$T/rs"
chmod 644 "$T/rs/x"
PORT=$(free_port)
n=40
bad=0
why=
for ((i = 0; i < n; i++)); do
	if ! start_bootherd --root "$T/rs" --listen 127.0.0.1 --tftp-port "$PORT" --http-port 0 \
		2>/dev/null; then
		bad=$((bad + 1))
		[[ -z "$why" ]] && why="start $((i + 1)): $(grep -m1 -iE 'err|cannot' "$SERVER_LOG" | cut -c1-160)"
		# Let the old socket go before the next round.
		sleep 0.2
		continue
	fi
	timeout 10 curl -s -o /dev/null "tftp://127.0.0.1:$PORT/x"
	BOOTHERD_TEST_PORT_WAIT=0 stop_bootherd TERM
done
if ((bad == 0)); then
	ok restart_same_port
else
	fail restart_same_port "$bad of $n immediate restarts on the same port failed; first: $why"
fi
