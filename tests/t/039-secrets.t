#!/usr/bin/perl
# Secrets stay secret, one property across all five APIs: after every
# suite's requests (pg_regress, isolation and the HTTP tests before this
# one, all on this cluster), no password, token, API key or Authorization
# header is in any nginx log (error.log and access.log of every test's
# nginx) or in what PostgreSQL logged for nginx's role, at default
# settings.  This test first adds requests of its own built to leak if the
# protections were off: credentials of this run beside bodies PostgreSQL
# would refuse (it quotes the text around the fault) and numbers it cannot
# hold, and in the document of a statement that fails in PostgreSQL.  Then
# it searches by shape (JWTs, Basic credentials, the request
# document's credential headers) and by value (the demo's secrets, this
# run's, and the test secrets of the other suites).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256 sha1_hex);
use JSON::PP;
use MIME::Base64 qw(encode_base64 encode_base64url);
use Test::More;
use Time::HiRes qw(time);
use PgTicketTest;

my $rundir = $ENV{PGTICKET_RUNDIR};
my $conf_dir = "$FindBin::Bin/../../nginx-module/conf";
my $locations = '';
for my $f (qw(api-helpdesk.conf api-resume.conf api-crm.conf api-queue.conf
              api-workshop.conf)) {
    $locations .= do { local (@ARGV, $/) = ("$conf_dir/$f"); <> };
}

start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=64 timeout=10s;

    server {
        listen 127.0.0.1:%%PORT%%;

$locations
        # a statement that fails with the credentials in its document
        location /leak/ {
            pgticket_route GET|POST "/leak/{code}" api_test.fail
                           headers=authorization,x-api-key,token;
        }
    }
CONF

# ---------------------------------------------- requests built to leak

my $run = "$$" . int(time * 1000);
# random-looking, so that a fragment of one is found only where it leaked
my $password = 'leakpw' . sha1_hex("password $run");
my $api_key = 'leakkey' . sha1_hex("key $run");
psql("select pgticket.add_api_client('resume', 'leak-$run', '$password')");
psql("insert into pgticket.api_client (api, name, key_hash, salt, scopes)"
     . " values ('workshop', 'leak-$run', sha256('$api_key'), '', '{tickets}')");
END {
    local $?;
    eval { psql("delete from pgticket.api_client where name = 'leak-$run'") };
}
my $basic = 'Basic ' . encode_base64("leak-$run:$password", '');
my $token = do {
    my $h = encode_base64url('{"alg":"HS256","typ":"JWT"}');
    my $p = encode_base64url(qq({"sub":"24218","jti":"$run"}));
    "$h.$p." . encode_base64url(hmac_sha256("$h.$p", 'pgticket-demo-secret'));
};

my @sent;
for my $body ("{'a':1}", '{"a":NaN}', '{"a":1e999999}', '{"a":"\u0000"}') {
    # 003: the key is the last header of the document before the body, so
    # PostgreSQL's "JSON data, line 1: ..." context would show it
    push @sent, raw_http("PATCH /v2/tickets/pending-tickets/"
                         . "497f6eca-6276-4993-bfeb-53cbbbba6f08 HTTP/1.1\r\n"
                         . "Host: x\r\nConnection: close\r\n"
                         . "X-Api-Key: $api_key\r\n"
                         . 'Content-Length: ' . length($body) . "\r\n\r\n"
                         . $body);
    push @sent, http('GET', '/v2/tickets/pending-tickets',
                     { Authorization => "Bearer $token" }, $body);
    push @sent, http('POST', '/api/v1/customers/104127993008/tickets',
                     { Authorization => $basic, 'Request-Tracking-Id' => 'k',
                       ProfileId => 'p', 'Content-Type' => 'application/json' },
                     $body);
    push @sent, http('POST', '/crm/v1/ticket/comment',
                     { token => $token, correlationId => 1, source => 's',
                       srDate => '11-09-2021', operation => 'addTicketComment',
                       destination => 'CRM', data => $password,
                       'Content-Type' => 'application/json' }, $body);
}
ok(!grep({ $_->{status} >= 500 || $_->{status} < 400 } @sent),
   'the bait requests were refused, each a 4xx');
for my $code ('22023', 'PT404', 'XX000') {
    my $r = http('POST', "/leak/$code",
                 { Authorization => $basic, 'X-Api-Key' => $api_key,
                   token => $token, 'Content-Type' => 'application/json' },
                 qq({"password":"$password"}));
    ok($r->{status} >= 400, "a statement failing with SQLSTATE $code, "
                            . 'credentials in its document');
}
expect_error(qr/api_test\.fail failed: SQLSTATE XX000/);
stop_nginx();

# -------------------------------------------------------- the logs

sub slurp { local (@ARGV, $/) = ($_[0]); return <> // '' }

# nginx: everything every test's nginx logged
my @nginx_logs = grep { -f } map { ("$_/error.log", "$_/access.log") }
                 glob("$rundir/t-*");
my %nginx = map { $_ => slurp($_) } @nginx_logs;

# PostgreSQL: the entries of nginx's role's sessions (log_line_prefix names
# the user; continuation lines belong to the entry above them)
my (@pg, $mine);
for my $line (split /\n/, slurp("$rundir/postgresql.log")) {
    if ($line =~ /^\d{4}-\d\d-\d\d /) {
        $mine = $line =~ / pgticket_web@/;
    }
    push @pg, $line if $mine;
}
my $pg = join "\n", @pg;

# the search means something: every API's requests are in the access logs,
# and nginx's role logged errors (the baits' failed statements)
my $access = join '', map { $nginx{$_} } grep { /access\.log$/ } @nginx_logs;
for my $prefix ('/api/v1/customers/', '/crm/v1/', '/v1/tickets',
                '/v2/tickets/', '/api/v1/raise_ticket') {
    like($access, qr/"[A-Z]+ \Q$prefix\E/, "the access logs have $prefix requests");
}
like($pg, qr/pgticket_web\@\S+ ERROR:  test failure/,
     "PostgreSQL's log has errors of nginx's role");
cmp_ok(scalar @nginx_logs, '>=', 10, 'nginx logs of ' . @nginx_logs / 2
       . ' test servers');

# what must appear nowhere
my @secrets = (
    [ 'a JWT', qr/eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}/ ],
    [ 'Basic credentials', qr/Basic\s+[A-Za-z0-9+\/]{8,}=*/i ],
    [ 'a Bearer token', qr/Bearer\s+[A-Za-z0-9._~+\/-]{16,}/i ],
    [ "the request document's authorization", qr/"authorization"\s*:/i ],
    [ "the request document's x-api-key", qr/"x-api-key"\s*:/i ],
    [ "the request document's token", qr/"token"\s*:/ ],
    [ 'an Authorization header', qr/^authorization:/im ],
    [ "the demo's Basic password", qr/b2NzdXNlcjpvY3N1c2Vy|ocsuser:ocsuser/ ],
    [ "the demo's API key", qr/demo-workshop-key/ ],
    [ "the demo's token secret", qr/pgticket-demo-secret/ ],
    [ "this run's password", qr/\Q$password\E/ ],
    [ "this run's API key", qr/\Q$api_key\E/ ],
    [ "the other suites' secrets",
      qr/s3cr3t-[0-9-]+-pw|pw-(?:a|b|crm|off)-[0-9-]+|key-(?:good|noscope|revoked)-[0-9-]+/ ],
    [ "a fragment of this run's key, password or token",
      qr/\Q${\ substr($api_key, -16)}\E|\Q${\ substr($password, -16)}\E|\Q${\ substr($token, -16)}\E/ ],
);

for my $s (@secrets) {
    my ($what, $re) = @$s;
    my @where = grep { $nginx{$_} =~ $re } sort keys %nginx;
    push @where, 'postgresql.log' if $pg =~ $re;
    ok(!@where, "no $what in any log")
        or diag('found in: ' . join(', ', map { s{^\Q$rundir\E/}{}r } @where)
                . "\n" . first_match($re, @where));
}

sub first_match {
    my ($re, @where) = @_;
    for my $w (@where) {
        my $text = $w eq 'postgresql.log' ? $pg : $nginx{$w};
        for my $line (split /\n/, $text) {
            return substr($line, 0, 300) if $line =~ $re;
        }
    }
    return '';
}

done_testing();
