#!/usr/bin/perl
# Errors nginx raises itself in an API's location come in that API's own
# shape (pgticket_error_page; ngx_http_pgticket_error_filter.c), for all
# five APIs: the shipped location of each (nginx-module/conf/api-*.conf)
# with access control and nginx-made errors added to it, as a deployment
# would add them: a 403 of deny, a 401 of auth_basic (its challenge kept),
# a 404, 500 and 503 of return.  HEAD gets the same headers and no body.
# The API's own answers and error_page targets (000/001/003's 429) are not
# touched.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use PgTicketTest;

my $denied = '127.0.0.5';
my $conf_dir = "$FindBin::Bin/../../nginx-module/conf";

my %message = (401 => 'Unauthorized', 403 => 'Forbidden',
               404 => 'Not found', 500 => 'Internal error',
               503 => 'Service unavailable');

# what 001's errorCode carries after the status ($pgticket_reason)
my %reason = (401 => 'UNAUTHORIZED', 403 => 'FORBIDDEN', 404 => 'NOT_FOUND',
              500 => 'INTERNAL_SERVER_ERROR', 503 => 'SERVICE_UNAVAILABLE');

# each API: a path of its location, and the body it answers with for a
# status and nginx's message for it (undef: no body at all, 002)
my %api = (
    helpdesk => [ '/api/v1/raise_ticket', 'application/json', sub {
        qq({"status":"error","errorCode":$_[0],"message":"$_[1]"}) } ],
    resume => [ '/api/v1/customers/104127993008/tickets', 'application/json',
        sub { qq({"status":"error","transaction_id":null,"message":"$_[1]"}) } ],
    crm => [ '/crm/v1/ticket/issues', 'application/json', sub {
        qq({"response":{"success":"false","result":{"arguments":)
        . qq({"statusCode":"$_[0]","errorCode":"$_[0] $reason{$_[0]}",)
        . qq("errorMessage":"$_[1]."}}}}) } ],
    queue => [ '/v1/tickets', undef, undef ],
    workshop => [ '/v2/tickets/pending-tickets', 'application/problem+json',
        sub { qq({"type":"about:blank","title":"$_[1]","status":$_[0],)
              . qq("detail":"$_[1]","violations":[]}) } ],
);

# the shipped locations, each with nginx-made errors at its start
my $htpasswd = test_dir() . '/nobody.htpasswd';
open(my $fh, '>', $htpasswd) or die "$htpasswd: $!\n";
print $fh "nobody:{PLAIN}not-used\n";
close $fh;
chmod 0644, $htpasswd;
my $locations = '';
for my $name (sort keys %api) {
    open(my $in, '<', "$conf_dir/api-$name.conf") or die "api-$name.conf: $!\n";
    my $text = do { local $/; <$in> };
    close $in;
    my $n = $text =~ s{^(location\s+/\S*\s*\{\n)}{$1
    deny $denied;
    if (\$http_x_nginx_error = "401") { return 401; }
    if (\$http_x_nginx_error = "404") { return 404; }
    if (\$http_x_nginx_error = "500") { return 500; }
    if (\$http_x_nginx_error = "503") { return 503; }
    if (\$http_x_nginx_error = "auth") { set \$pgticket_test_realm "api"; }
    auth_basic \$pgticket_test_realm;
    auth_basic_user_file $htpasswd;
}mg;
    is($n, 1, "api-$name.conf: one API location");
    $locations .= $text;
}

start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=16 timeout=5s;

    server {
        listen 127.0.0.1:%%PORT%%;
        listen $denied:%%PORT%%;
        set \$pgticket_test_realm off;

$locations
        location / {
            return 404;
        }
    }
CONF

sub send_from {
    my ($from, $method, $path, @headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "$from:" . port(),
                                  LocalAddr => $from, Timeout => 10)
        or die "connect from $from: $!\n";
    print $s "$method $path HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n" . join('', map { "$_\r\n" } @headers)
        . "\r\n";
    local $/;
    return PgTicketTest::parse_response(<$s> // '');
}

# the answer in the API's shape: status, type, length and body exactly
sub in_shape {
    my ($name, $what, $r, $status, $head) = @_;
    my ($path, $type, $body) = @{ $api{$name} };
    my $want = $body ? $body->($status, $message{$status}) : '';
    my @got = ($r->{status}, $r->{headers}{'content-type'},
               $r->{headers}{'content-length'}, $r->{content});
    is_deeply(\@got, [ $status, $type, length $want, $head ? '' : $want ],
              "$name: $what: $status in the API's shape")
        or diag($r->{raw});
}

for my $name (sort keys %api) {
    my $path = $api{$name}[0];
    in_shape($name, 'deny', send_from($denied, 'GET', $path), 403);
    in_shape($name, 'deny, HEAD', send_from($denied, 'HEAD', $path), 403, 1);
    for my $status (401, 404, 500, 503) {
        in_shape($name, "return $status",
                 send_from('127.0.0.1', 'GET', $path,
                           "X-Nginx-Error: $status"), $status);
    }
    my $r = send_from('127.0.0.1', 'GET', $path, 'X-Nginx-Error: auth');
    in_shape($name, 'auth_basic', $r, 401);
    is($r->{headers}{'www-authenticate'}, 'Basic realm="api"',
       "$name: auth_basic's challenge is kept");

    # the API's own answer is left as it is: a route it does not have
    $r = send_from('127.0.0.1', 'GET', "$path/no/such/route");
    in_shape($name, 'the module\'s own 404', $r, 404);
}

# a 400 the module makes with a message of its own: 003's problem keeps the
# status's name as its title ($pgticket_status_text), the message is the
# detail (RFC 9457: the title does not change from occurrence to occurrence)
for my $case (
    [ 'a route header sent twice', '/v2/tickets/pending-tickets',
      [ 'X-Api-Key: a', 'X-Api-Key: b' ], 'The x-api-key header was sent twice' ],
    [ 'an undecodable query', '/v2/tickets/pending-tickets?vin=%ff', [],
      'Invalid request encoding' ])
{
    my ($what, $path, $headers, $detail) = @$case;
    my $r = send_from('127.0.0.1', 'GET', $path, @$headers);
    is_deeply([ $r->{status}, $r->{headers}{'content-type'}, $r->{content} ],
              [ 400, 'application/problem+json',
                qq({"type":"about:blank","title":"Bad request","status":400,)
                . qq("detail":"$detail","violations":[]}) ],
              "workshop: $what: title Bad request, the message as detail")
        or diag($r->{raw});
}

# outside the APIs, nginx's own page
my $r = send_from('127.0.0.1', 'GET', '/elsewhere');
like($r->{content}, qr{<center>nginx}, 'outside the APIs: nginx\'s own page');

# nginx's core logs a request deny refuses at [error] itself
expect_error(qr/access forbidden by rule, client: \Q$denied\E/);
stop_nginx();
done_testing();
