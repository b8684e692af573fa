#!/usr/bin/env bash
# Start a throw-away Request Tracker 5 (Debian packages request-tracker5, rt5-db-sqlite,
# rt5-standalone) on 127.0.0.1:$AEG_TEST_RT_PORT (default 18080), with a SQLite database and
# its whole configuration under $AEG_RUN_DIR/rt; nothing under /etc is read or changed.
# Test data: queue SOC; ticket custom fields SourceIP, DestinationIP (IP address),
# CEFSignatureID; API user cefbot/cefbot-secret with ticket rights on SOC and General, and an
# auth token for cefbot in $AEG_RUN_DIR/rt/cefbot.token.
# Writes $AEG_RUN_DIR/rt.env (export lines, source it); AEG_RT_STARTED=1 there means this
# script started RT and scripts/services/rt-down.sh should stop it. An RT of ours that already
# answers on the port (same run dir) is reused.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port="${AEG_TEST_RT_PORT:-18080}"
dir="$AEG_RUN_DIR/rt"
env_file="$AEG_RUN_DIR/rt.env"
base="http://127.0.0.1:$port"
token_file="$dir/cefbot.token"
started_at=$EPOCHREALTIME
rt_share=/usr/share/request-tracker5

answers() { curl -fsS -o /dev/null --max-time 10 -u cefbot:cefbot-secret "$base/REST/2.0/queue/SOC" 2>/dev/null; }
token_works() {
  [ -s "$token_file" ] &&
    curl -fsS -o /dev/null --max-time 10 -H "Authorization: token $(cat "$token_file")" "$base/REST/2.0/rt" 2>/dev/null
}
write_env() {
  cat >"$env_file" <<ENV
export AEG_TEST_RT_URL='$base'
export AEG_TEST_RT_USER='cefbot'
export AEG_TEST_RT_PASSWORD='cefbot-secret'
export AEG_TEST_RT_TOKEN_FILE='$token_file'
export AEG_RT_STARTED=$1
ENV
}

mkdir -p "$AEG_RUN_DIR"
rm -f "$env_file"
if aeg_port_open "$port"; then
  answers && token_works \
    || aeg_die "port $port is taken by something that is not our test RT; set AEG_TEST_RT_PORT to a free port"
  write_env 0
  aeg_log "RT already answers on $base; reusing it (it will not be stopped)"
  exit 0
fi

[ -x "$rt_share/libexec/rt-server" ] \
  || aeg_die "RT not found; install the Debian packages request-tracker5 rt5-db-sqlite rt5-standalone"
aeg_stop_pidfile RT "$dir/pid" "$dir" 30
rm -rf "$dir"
mkdir -p "$dir/etc" "$dir/mason" "$dir/sessions"

# Our own site config: RT_SITE_CONFIG replaces /etc/request-tracker5/RT_SiteConfig.pm and
# RT_SITE_CONFIG_DIR the Debian snippets (debconf, dbconfig-common), which we must not use.
export RT_SITE_CONFIG="$dir/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$dir/etc"
cat >"$RT_SITE_CONFIG" <<PERL
Set(\$rtname, 'aeg-test');
Set(\$Organization, 'aeg-test');
Set(\$Timezone, 'UTC');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$dir/rtdb');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebBaseURL, '$base');
Set(\$CorrespondAddress, 'rt\@localhost');
Set(\$CommentAddress, 'rt-comment\@localhost');
Set(\$MailCommand, 'testfile');      # never hand mail to an MTA
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'warning');
# Compiled templates and sessions stay in the run dir (the defaults under /var/cache are
# root/www-data only and would outlive the run).
\$RT::MasonDataDir = '$dir/mason';
\$RT::MasonSessionDir = '$dir/sessions';
1;
PERL

cat >"$dir/initialdata" <<'PERL'
@Queues = ( { Name => 'SOC', Description => 'SOC alerts', CorrespondAddress => '', CommentAddress => '' } );
@CustomFields = (
  { Name => 'SourceIP',       Type => 'FreeformSingle',  LookupType => 'RT::Queue-RT::Ticket', ApplyTo => ['General','SOC'] },
  { Name => 'CEFSignatureID', Type => 'FreeformSingle',  LookupType => 'RT::Queue-RT::Ticket', ApplyTo => ['General','SOC'] },
  { Name => 'DestinationIP',  Type => 'IPAddressSingle', LookupType => 'RT::Queue-RT::Ticket', ApplyTo => ['General','SOC'] },
);
@Users = ( { Name => 'cefbot', Password => 'cefbot-secret', EmailAddress => 'cefbot@localhost', Privileged => 1 } );
@ACL = map { my $q = $_; map { { UserId => 'cefbot', Queue => $q, Right => $_ } }
             qw(SeeQueue CreateTicket ShowTicket ModifyTicket CommentOnTicket ReplyToTicket
                ShowTicketComments OwnTicket SeeCustomField ModifyCustomField) } qw(General SOC);
push @ACL, { UserId => 'cefbot', Right => 'ManageAuthTokens' };   # global right
1;
PERL

# If anything below fails (or we are stopped), stop the server we launched; the launched
# process writes its PID itself, so give it a moment to do that.
spawned=
trap '[ -z "$spawned" ] || { aeg_wait_until 10 "" test -s "$dir/pid" || true; aeg_stop_pidfile RT "$dir/pid" "$dir" 30; }' EXIT
trap 'exit 130' INT TERM

setup_failed() { tail -n 30 "$dir/setup.log" >&2; aeg_die "RT database set-up failed (log: $dir/setup.log)"; }
rt-setup-database-5 --action init >"$dir/setup.log" 2>&1 </dev/null || setup_failed
rt-setup-database-5 --action insert --datafile "$dir/initialdata" >>"$dir/setup.log" 2>&1 </dev/null || setup_failed

# The printed string is what goes after "Authorization: token ".
perl -I"$rt_share/lib" -MRT -e '
  RT::LoadConfig(); RT::Init();
  my $u = RT::User->new(RT->SystemUser); $u->Load(shift) or die "no user\n";
  my ($id, $msg, $auth) = RT::AuthToken->new(RT->SystemUser)->Create(Owner => $u->Id, Description => "aeg tests");
  die "token: $msg\n" unless $id; print "$auth\n";' cefbot >"$token_file" 2>>"$dir/setup.log" || setup_failed

# Starlet prefork, loopback only, 2 workers (the default is 10 of ~200 MB each).
spawned=1
aeg_spawn_detached "$dir/pid" "$dir/rt-server.log" \
  "$rt_share/libexec/rt-server" --host 127.0.0.1 --port "$port" --max-workers 2

if ! aeg_wait_until 180 "$(cat "$dir/pid")" answers || ! token_works; then
  tail -n 30 "$dir/rt-server.log" >&2 || true
  aeg_die "RT did not answer on $base (log: $dir/rt-server.log)"
fi
# Ownership passes to the caller once the env file says so; only then drop our cleanup.
write_env 1
trap - EXIT INT TERM
aeg_log "RT up on $base in $(aeg_elapsed "$started_at")s (pid $(cat "$dir/pid"), dir $dir)"
