#!/usr/bin/perl
# Authentication attacks on the APIs with credentials, over HTTP through
# the shipped routes (nginx-module/conf/api-resume.conf, api-crm.conf,
# api-workshop.conf): HTTP Basic (000) with wrong, empty, over-long and
# undecodable passwords, unknown and inactive clients, another client's
# password and another API's client; tokens (001 and 003) forged, expired,
# not yet valid, with alg none, another algorithm, a wrong key, truncated,
# too long, a rotated secret; API keys (003) guessed, revoked, without the
# scope, of another API.  Every refusal is the API's own 401 (or 403 for a
# good credential without the scope), never echoes the credential, and
# changes no table.  Then isolation: one client's idempotency keys and one
# contact's tickets are not another's, and a credential of one API opens
# no other.  Works on the demo data and can run again.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256 hmac_sha384);
use JSON::PP;
use MIME::Base64 qw(encode_base64 encode_base64url);
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(time);
use PgTicketTest;

my $locations = '';
for my $f (qw(api-resume.conf api-crm.conf api-workshop.conf)) {
    $locations .= do {
        local (@ARGV, $/) = ("$FindBin::Bin/../../nginx-module/conf/$f");
        <>;
    };
}

start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=4 queue=64 timeout=10s;

    server {
        listen 127.0.0.1:%%PORT%%;

$locations
    }
CONF

my $json = JSON::PP->new->utf8->canonical;
my $run = "$$-" . int(time * 1000);
my $future = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 3 * 86400));
my $secret = 'pgticket-demo-secret';
my @credentials;    # never to be echoed in an answer

# API clients of this run: two resume clients, one of another API, one
# disabled; workshop keys with and without the scope, and a revoked one
my %pw = (a => "pw-a-$run", b => "pw-b-$run", crm => "pw-crm-$run",
          off => "pw-off-$run");
psql("select pgticket.add_api_client('resume', 'auth-a-$run', '$pw{a}'),"
     . " pgticket.add_api_client('resume', 'auth-b-$run', '$pw{b}'),"
     . " pgticket.add_api_client('crm', 'auth-crm-$run', '$pw{crm}'),"
     . " pgticket.add_api_client('resume', 'auth-off-$run', '$pw{off}')");
psql("update pgticket.api_client set active = false"
     . " where name = 'auth-off-$run'");
my %key = (good => "key-good-$run", noscope => "key-noscope-$run",
           revoked => "key-revoked-$run");
psql("insert into pgticket.api_client (api, name, key_hash, salt, scopes,"
     . " active) values"
     . " ('workshop', 'auth-good-$run', sha256('$key{good}'), '', '{tickets}', true),"
     . " ('workshop', 'auth-noscope-$run', sha256('$key{noscope}'), '', '{}', true),"
     . " ('workshop', 'auth-revoked-$run', sha256('$key{revoked}'), '',"
     . "  '{tickets}', false)");
END {
    local $?;
    eval { psql("delete from pgticket.api_client where name like 'auth-%-$run'") };
    eval { psql("update pgticket.setting set value = '$secret'"
                . " where name = 'token_secret'") };
}
push @credentials, values %pw, values %key;

sub basic { 'Basic ' . encode_base64($_[0], '') }

# An HS256 JWT by hand; header and signing key can be chosen
sub jwt {
    my ($claims, %o) = @_;
    my $head = encode_base64url($o{header} // '{"alg":"HS256","typ":"JWT"}');
    my $body = encode_base64url(ref $claims ? $json->encode($claims)
                                            : $claims);
    my $mac = $o{hs384} ? hmac_sha384("$head.$body", $o{secret} // $secret)
                        : hmac_sha256("$head.$body", $o{secret} // $secret);
    my $t = "$head.$body." . encode_base64url($mac);
    push @credentials, $t;
    return $t;
}

sub doc { eval { decode_json($_[0]{content}) } // {} }

# ------------------------------------------------------------ requests

my $resume_path = '/api/v1/customers/104127993008/tickets';

sub resume {
    my ($auth, %o) = @_;
    my %h = ('Request-Tracking-Id' => $o{key} // "auth-$run",
             ProfileId => 'auth-test', 'Content-Type' => 'application/json');
    $h{Authorization} = $auth if defined $auth;
    my $body = $o{body} // $json->encode({
        customer_id => 104127993008, reason_code => 'RS01',
        dispatch_date_time => $future,
        service => { id => '26984565', code => 'INT' } });
    return http('POST', $resume_path, \%h, $body);
}

sub crm {
    my ($path, $operation, $token, $body) = @_;
    my %h = (correlationId => 1, source => 'Selfcare', srDate => '11-09-2021',
             operation => $operation, destination => 'CRM');
    $h{token} = $token if defined $token;
    $h{'Content-Type'} = 'application/json' if defined $body;
    return http(defined $body ? 'POST' : 'GET', "/crm/v1$path", \%h,
                defined $body ? $json->encode($body) : undef);
}

sub workshop {
    my (%h) = @_;
    return http('GET', '/v2/tickets/pending-tickets?limit=1', \%h);
}

# ----------------------------------------------------- shape assertions

sub no_echo {
    my ($r, $name) = @_;
    my @echoed = grep { length($_) > 8 && index($r->{content}, $_) >= 0 }
                 @credentials;
    ok(!@echoed, "$name: the answer echoes no credential");
}

sub resume_401 {
    my ($r, $message, $name) = @_;
    is($r->{status}, 401, "000 $name: 401");
    is($r->{headers}{'www-authenticate'},
       'Basic realm="resume", charset="UTF-8"', "000 $name: Basic challenge");
    is($r->{content},
       qq({"status":"error","transaction_id":null,"message":"$message"}),
       "000 $name: the API's error") or diag($r->{content});
    no_echo($r, "000 $name");
}

sub crm_401 {
    my ($r, $message, $name) = @_;
    my $a = doc($r)->{response}{result}{arguments} // {};
    is($r->{status}, 401, "001 $name: 401");
    is_deeply([ @$a{qw(statusCode errorCode)} ], [ '401', 'INVALID_TOKEN' ],
              "001 $name: INVALID_TOKEN");
    like($a->{errorMessage} // '', $message, "001 $name: says why")
        or diag($r->{content});
    no_echo($r, "001 $name");
}

sub workshop_refusal {
    my ($r, $status, $detail, $name) = @_;
    my $d = doc($r);
    is($r->{status}, $status, "003 $name: $status");
    is($r->{headers}{'content-type'}, 'application/problem+json',
       "003 $name: a problem");
    like($r->{headers}{'www-authenticate'} // '', $status == 401
         ? qr/^Bearer realm="pgticket"$/ : qr/error="insufficient_scope"/,
         "003 $name: Bearer challenge");
    like($d->{detail} // '', $detail, "003 $name: says why")
        or diag($r->{content});
    no_echo($r, "003 $name");
}

# ============================================================ refusals

my %before = PgTicketTest::table_checksums();

# ---------------------------------------------------------- 000: Basic

my $wrong_pw = 'The Authorization credentials are not valid: unknown '
    . 'user-id or wrong password';
for my $case (
    [ undef, 'The Authorization header is required (HTTP Basic credentials)',
      'no Authorization' ],
    [ 'Basic', 'The Authorization header must be HTTP Basic credentials '
      . '(Basic base64(user-id:password))', 'Basic without credentials' ],
    [ 'Basic !!!!', 'The Authorization header must be HTTP Basic credentials '
      . '(Basic base64(user-id:password))', 'not base64' ],
    [ 'Bearer ' . jwt({ sub => '24218' }), 'The Authorization header must '
      . 'be HTTP Basic credentials (Basic base64(user-id:password))',
      'a token instead' ],
    [ basic("auth-a-$run"), 'The Authorization credentials must be '
      . 'user-id:password', 'no colon' ],
    [ basic(":$pw{a}"), 'The Authorization user-id is empty', 'empty user-id' ],
    [ basic("auth-a-$run:"), 'The Authorization password is empty',
      'empty password' ],
    [ basic(':'), 'The Authorization user-id is empty', 'both empty' ],
    [ basic("auth-a-$run:wrong"), $wrong_pw, 'wrong password' ],
    [ basic("auth-a-$run:" . uc $pw{a}), $wrong_pw, 'password in capitals' ],
    [ basic("auth-a-$run:$pw{a} "), $wrong_pw, 'password and a space' ],
    [ basic("auth-a-$run:$pw{b}"), $wrong_pw, "another client's password" ],
    [ basic("auth-b-$run:$pw{a}"), $wrong_pw,
      "a password with another client's user-id" ],
    [ basic("nobody-$run:$pw{a}"), $wrong_pw, 'unknown user-id' ],
    [ basic("AUTH-A-$run:$pw{a}"), $wrong_pw, 'user-id in capitals' ],
    [ basic("auth-crm-$run:$pw{crm}"), $wrong_pw, "another API's client" ],
    [ basic("auth-off-$run:$pw{off}"), $wrong_pw, 'a disabled client' ],
    [ basic("auth-a-$run:" . 'x' x 513), 'The Authorization credentials are '
      . 'too long', 'a 513-byte password' ],
    [ basic("auth-a-$run:" . 'x' x 3000), 'The Authorization credentials are '
      . 'too long', 'a 3000-byte password' ],
    [ basic('u' x 600 . ':x'), 'The Authorization credentials are too long',
      'a 600-byte user-id' ],
    [ basic("auth-a-$run:\x00$pw{a}"), 'The Authorization credentials are '
      . 'not valid base64 of UTF-8 text', 'a NUL in the password' ],
    [ basic("auth-a-$run:\xff\xfe"), 'The Authorization credentials are '
      . 'not valid base64 of UTF-8 text', 'invalid UTF-8' ],
    [ 'Digest username="ocsuser"', 'The Authorization header must be HTTP '
      . 'Basic credentials (Basic base64(user-id:password))', 'Digest' ],
    [ basic("auth-a-$run:$pw{a}") . ' ' . basic("auth-b-$run:$pw{b}"),
      'The Authorization header must be HTTP Basic credentials '
      . '(Basic base64(user-id:password))', 'two credentials' ],
) {
    my ($auth, $message, $name) = @$case;
    resume_401(resume($auth), $message, $name);
}

# ---------------------------------------------------------- tokens

my $now = time;
my $good = jwt({ sub => '24218' });
my ($h64, $p64, $s64) = split /\./, $good;
my @bad_tokens = (
    [ "$h64." . encode_base64url('{"sub":"649797"}') . ".$s64",
      qr/^JWT signature does not match/, 'forged payload', 'signature' ],
    [ "$h64.$p64." . encode_base64url('x' x 32),
      qr/^JWT signature does not match/, 'forged signature', 'signature' ],
    [ jwt({ sub => '24218' }, secret => 'not-the-secret'),
      qr/^JWT signature does not match/, 'wrong key', 'signature' ],
    [ jwt({ sub => '24218' }, secret => ''),
      qr/^JWT signature does not match/, 'empty key', 'signature' ],
    [ jwt({ sub => '24218', exp => int($now) - 60 }),
      qr/^JWT expired at .*Allowed clock skew: 0 milliseconds/, 'expired',
      'expired' ],
    [ jwt({ sub => '24218', nbf => int($now) + 3600 }),
      qr/^JWT must not be accepted before/, 'not yet valid', 'before' ],
    [ jwt({ sub => '24218', exp => 'tomorrow' }),
      qr/^Malformed JWT: the exp claim is not a time/, 'exp not a number',
      'exp' ],
    [ encode_base64url('{"alg":"none","typ":"JWT"}') . ".$p64.",
      qr/^Unsigned Claims JWTs are not supported\.$/, 'alg none', 'none' ],
    [ encode_base64url('{"alg":"NONE"}') . ".$p64.",
      qr/^Unsigned Claims JWTs are not supported\.$/, 'alg NONE', 'none' ],
    [ jwt({ sub => '24218' }, header => '{"alg":"none"}'),
      qr/^Unsigned Claims JWTs are not supported\.$/,
      'alg none with a valid signature', 'none' ],
    [ jwt({ sub => '24218' }, header => '{"alg":"HS384"}', hs384 => 1),
      qr/^Unsupported JWT signature algorithm/, 'HS384', 'algorithm' ],
    [ jwt({ sub => '24218' }, header => '{"alg":"RS256"}'),
      qr/^Unsupported JWT signature algorithm/, 'RS256', 'algorithm' ],
    [ jwt({ sub => '24218' }, header => '{"typ":"JWT"}'),
      qr/^Unsupported JWT signature algorithm/, 'no alg', 'algorithm' ],
    [ jwt({ sub => '24218' }, header => '{"alg":"HS256","crit":["exp"]}'),
      qr/critical header parameters/, 'crit', 'crit' ],
    [ jwt('["24218"]'), qr/^Malformed JWT JSON: the payload is not a JSON object/,
      'claims not an object', 'payload' ],
    [ jwt('{"sub":'), qr/^Malformed JWT JSON: the payload is not valid JSON/,
      'claims not JSON', 'payload' ],
    [ substr($good, 0, -1), qr/^JWT signature does not match/,
      'one character short', 'truncated' ],
    [ "$h64.$p64.", qr/^JWT signature does not match/, 'no signature',
      'truncated' ],
    [ "$h64.$p64", qr/^JWT strings must contain exactly 2 period characters\. Found: 1$/,
      'no third part', 'truncated' ],
    [ $h64, qr/^JWT strings must contain exactly 2 period characters\. Found: 0$/,
      'the header only', 'truncated' ],
    [ '..', qr/^Malformed JWT/, 'three empty parts', 'truncated' ],
    [ "$good.$s64", qr/^JWT strings must contain exactly 2 period characters\. Found: 3$/,
      'four parts', 'parts' ],
    [ "$h64.$p64.$s64=", qr/^JWT signature does not match/,
      'padded signature', 'signature' ],
    [ 'a' x 8100 . '.b.c', qr/^Malformed JWT JSON: the header is not/,
      'a header of 8100 bytes', 'long' ],
);

for my $case (@bad_tokens) {
    my ($token, $why, $name) = @$case;
    crm_401(crm('/ticket/details', 'ticketDetail', $token), $why, $name);
    workshop_refusal(workshop(Authorization => "Bearer $token"), 401, $why,
                     "Bearer $name");
}

# a token longer than nginx's header buffers (8k) never reaches a route:
# nginx's own 400, as contract.md wants for oversize headers
for my $r (crm('/ticket/details', 'ticketDetail', 'a' x 9000 . '.b.c'),
           workshop(Authorization => 'Bearer ' . 'a' x 9000 . '.b.c')) {
    is($r->{status}, 400, 'a 9000-byte token: 400');
    like($r->{content}, qr/Request Header Or Cookie Too Large/,
         "from nginx, before any route");
}

crm_401(crm('/ticket/details', 'ticketDetail', jwt({ sub => '999999999' })),
        qr/^Unknown contact\.$/, 'a token of no contact');
crm_401(crm('/ticket/details', 'ticketDetail',
            jwt({ sub => 'workshop-app', scope => 'tickets' })),
        qr/^Unknown contact\.$/, "003's token");

# a rotated secret refuses what the old one signed, at once
psql("update pgticket.setting set value = 'rotated-$run'"
     . " where name = 'token_secret'");
crm_401(crm('/ticket/details', 'ticketDetail', $good),
        qr/^JWT signature does not match/, 'after the secret was rotated');
psql("update pgticket.setting set value = '$secret'"
     . " where name = 'token_secret'");

# ----------------------------------------------- 003: tokens and keys

my $scoped = jwt({ sub => 'auth-test', scope => 'tickets' });
for my $case (
    [ { Authorization => 'Bearer ' . jwt({ scope => 'tickets' }) }, 401,
      qr/no subject/, 'a token without sub' ],
    [ { Authorization => 'Bearer ' . jwt({ sub => '', scope => 'tickets' }) },
      401, qr/no subject/, 'an empty sub' ],
    [ { Authorization => 'Bearer ' . jwt({ sub => 'x', scope => 'ticketsx' }) },
      403, qr/tickets scope/, 'a scope that only starts with tickets' ],
    [ { Authorization => 'Bearer ' . jwt({ sub => 'x',
                                           scope => [ 'read', 'write' ] }) },
      403, qr/tickets scope/, 'a scope list without tickets' ],
    [ { Authorization => "Bearer $good" }, 403, qr/tickets scope/,
      "001's token (a contact's)" ],
    [ { Authorization => 'Bearer' }, 401, qr/must be "Bearer/,
      'Bearer without a token' ],
    [ { Authorization => "Bearer $scoped extra" }, 401, qr/must be "Bearer/,
      'a token and more' ],
    [ { Authorization => basic("auth-a-$run:$pw{a}") }, 401,
      qr/must be "Bearer/, "000's Basic credentials" ],
    [ { Authorization => "Bearer $h64.$p64.",
        'X-Api-Key' => $key{good} }, 401, qr/signature/,
      'a bad token beside a good key: the token decides' ],
    [ { 'X-Api-Key' => "guess-$run" }, 401, qr/API key is not valid/,
      'a guessed key' ],
    [ { 'X-Api-Key' => uc $key{good} }, 401, qr/API key is not valid/,
      'the key in capitals' ],
    [ { 'X-Api-Key' => substr($key{good}, 0, -1) }, 401,
      qr/API key is not valid/, 'the key one character short' ],
    [ { 'X-Api-Key' => $key{revoked} }, 401, qr/API key is not valid/,
      'a revoked key' ],
    [ { 'X-Api-Key' => $pw{a} }, 401, qr/API key is not valid/,
      "000's password as a key" ],
    [ { 'X-Api-Key' => "auth-a-$run:$pw{a}" }, 401, qr/API key is not valid/,
      "000's credentials as a key" ],
    [ { 'X-Api-Key' => $key{noscope} }, 403, qr/tickets scope/,
      'a key without the scope' ],
    [ {}, 401, qr/Authentication is required/, 'nothing' ],
) {
    my ($h, $status, $detail, $name) = @$case;
    workshop_refusal(workshop(%$h), $status, $detail, $name);
}

# ------------------------------------ 001: another contact's tickets

my $tok_a = jwt({ sub => '24218' });
my $tok_b = jwt({ sub => '649797' });
my $r = crm('/ticket/comment', 'addTicketComment', $tok_a,
            { ticketNo => 'TT10057', comment => 'not mine', contactId => '24218' });
is($r->{status}, 404, "001: a comment on another contact's ticket is 404");
is(doc($r)->{response}{result}{arguments}{errorMessage},
   'Ticket TT10057 not found.', '001: as if it did not exist');
$r = crm('/ticket/comment', 'addTicketComment', $tok_a,
         { ticketNo => 'TT10057', comment => 'not mine', contactId => '649797' });
is($r->{status}, 400, "001: naming the other contact is 400");
is(doc($r)->{response}{result}{arguments}{errorMessage},
   "Body parameter 'contactId' does not match the token's contact.",
   '001: the contactId must be the token\'s');

# ------------------------------------- 000: a replay needs a good password

$r = resume(basic("auth-b-$run:wrong"), key => '456');
resume_401($r, $wrong_pw, "the seed's key with a wrong password");

my %after = PgTicketTest::table_checksums();
my @changed = grep { ($before{$_} // '') ne ($after{$_} // '') } sort keys %after;
ok(keys %after > 20 && !@changed, 'every refusal left every table as it was')
    or diag("changed: @changed");

# ============================================================ isolation

# 000: an idempotency key belongs to the client that sent it
my $k = "auth-shared-$run";
my $ra = resume(basic("auth-a-$run:$pw{a}"), key => $k);
is($ra->{status}, 201, "000: client a's ticket under key $k");
my $rb = resume(basic("auth-b-$run:$pw{b}"), key => $k);
is($rb->{status}, 201, '000: client b, same key and body: its own ticket');
isnt(doc($rb)->{transaction_id}, doc($ra)->{transaction_id},
     "000: b never gets a's answer");
is(resume(basic("auth-a-$run:$pw{a}"), key => $k)->{content}, $ra->{content},
   "000: a's replay gets a's answer");
$r = http('POST', $resume_path,
          { Authorization => 'bAsIc ' . encode_base64("auth-b-$run:$pw{b}", ''),
            'Request-Tracking-Id' => $k, ProfileId => 'auth-test',
            'Content-Type' => 'application/json' },
          $json->encode({ customer_id => 104127993008, reason_code => 'RS02',
                          dispatch_date_time => $future,
                          service => { id => '1', code => 'INT' } }));
is($r->{status}, 409, "000: b's key with another body is b's conflict "
                      . '(the scheme in any case)');

# 001: a contact sees only their tickets
my @a_tickets = map { $_->{ticket_no} }
    @{ doc(crm('/ticket/details', 'ticketDetail', $tok_a))->{response}{result} // [] };
my @b_tickets = map { $_->{ticket_no} }
    @{ doc(crm('/ticket/details', 'ticketDetail', $tok_b))->{response}{result} // [] };
ok((grep { $_ eq 'TT1524' } @a_tickets) && !(grep { $_ eq 'TT10057' } @a_tickets),
   "001: contact 24218 sees TT1524, not 649797's TT10057");
ok((grep { $_ eq 'TT10057' } @b_tickets) && !(grep { $_ eq 'TT1524' } @b_tickets),
   "001: contact 649797 sees TT10057, not 24218's TT1524");

# a credential of one API opens no other
workshop_refusal(workshop(Authorization => "Bearer $tok_a"), 403,
                 qr/tickets scope/, "a contact's token on 003");
resume_401(resume("Bearer $tok_a"), 'The Authorization header must be HTTP '
           . 'Basic credentials (Basic base64(user-id:password))',
           "a contact's token on 000");
resume_401(resume(basic("auth-good-$run:$key{good}")), $wrong_pw,
           "003's API key on 000");
crm_401(crm('/ticket/details', 'ticketDetail', $scoped),
        qr/^Unknown contact\.$/, "003's token on 001");
crm_401(crm('/ticket/details', 'ticketDetail', $key{good}),
        qr/^JWT strings must contain exactly 2 period/, "003's key on 001");

# and the good ones work (so the refusals above mean something)
is(workshop(Authorization => "bearer $scoped")->{status}, 200,
   '003: a scoped token, the scheme in any case: 200');
is(workshop('X-Api-Key' => $key{good})->{status}, 200, '003: a good key: 200');
is(crm('/ticket/details', 'ticketDetail', $tok_a)->{status}, 200,
   '001: a good token: 200');

stop_nginx();
done_testing();
