#!/usr/bin/perl
# The helpdesk's admin door (issue 10), over HTTP.  The shipped nginx.conf
# gives each 004 request an audience from the client's address (a geo:
# loopback 127.0.0.1 is the admin console, anything else a user), which
# nginx puts into the request document (pgticket_param audience), where no
# client can write; the SQL functions decide by it.  So:
#
# - from 127.0.0.2, every admin capability (every user's tickets, a ticket
#   without a userId and its internal notes, a message as the admin, an
#   internal note, assign, close), under every spelling of its path
#   (trailing slash, //, percent-encoding, dot segments, case, an absolute
#   URI, ;params) and every way of sending its parameters, is refused in
#   the API's shape (or never reaches an API: nginx's own 400 or 404), or
#   shows the user's view; nothing is written, no internal note leaks;
# - no header, body or query parameter a client sends opens the door;
# - from 127.0.0.1 the same requests work;
# - the README's production door: an admin server behind auth_basic with
#   the admin's name passed on ($remote_user): 401 in the API's shape
#   without the right password, the signed-in admin recorded as who
#   closed and assigned, and refused when not an active helpdesk admin.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha1);
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Test::More;
use PgTicketTest;

my $admin_addr = '127.0.0.1';
my $user_addr = '127.0.0.2';
my $json = JSON::PP->new->utf8->canonical;

start_nginx(PgTicketTest::shipped_conf(), full => 1);

# one request, raw, from a loopback address to 127.0.0.1:port (or to
# $to); returns { status, headers, content }
sub send_from {
    my ($from, $method, $target, $headers, $body, $to) = @_;
    my $text = "$method $target HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n";
    for (my $i = 0; $i < @{ $headers // [] }; $i += 2) {
        $text .= "$headers->[$i]: $headers->[$i + 1]\r\n";
    }
    $text .= 'Content-Length: ' . length($body) . "\r\n" if defined $body;
    $text .= "\r\n" . ($body // '');
    my $s = IO::Socket::INET->new(PeerAddr => ($to // '127.0.0.1') . ':'
                                              . port(),
                                  LocalAddr => $from, Timeout => 10)
        or die "connect from $from: $!\n";
    print $s $text;
    local $/;
    my $raw = <$s> // '';
    return PgTicketTest::parse_response($raw);
}

sub doc {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{content}) } // {};
}

my $form = [ 'Content-Type' => 'application/x-www-form-urlencoded' ];
my $jsonh = [ 'Content-Type' => 'application/json' ];

# --------------------------------------------------------------- fixtures

# a ticket of user 7 with an internal note and a public reply, another
# user's ticket (demo ticket 11, user 6)
my $note = "internal-note-$$-" . time;
my $r = send_from($user_addr, 'POST', '/api/v1/raise_ticket', $form,
                  'type=Technical&subject=door&userId=7&comments=door+test');
is($r->{status}, 200, 'a user raises a ticket through the user door');
my $t = doc($r)->{ticketId};
ok($t && $t =~ /^\d+$/, 'its ticketId') or BAIL_OUT('no ticket');

$r = send_from($admin_addr, 'POST', '/api/v1/send_message', $form,
               "ticketId=$t&ticketMessage=$note&sender=admin"
               . '&sender_name=support%40jazenetworks.example&showToUser=false');
is($r->{status}, 200, 'an internal note through the admin door');
$r = send_from($admin_addr, 'GET', "/api/v1/get_ticket_details/$t");
is($r->{status}, 200, 'the admin door shows the ticket without a userId');
like($r->{content}, qr/\Q$note\E/, '... with its internal note');

# ------------------------------------------------ the user's door, closed

# every spelling of a path that a client may try
sub variants {
    my ($p) = @_;
    my ($prefix, $rest) = $p =~ m{^(/api/v1/)(.*)$} or die $p;
    my ($endpoint, $tail) = $rest =~ m{^([^/?]*)(.*)$};
    (my $enc = $endpoint) =~ s/([_a-z])/sprintf('%%%02X', ord $1)/e;
    (my $enc_all = $endpoint) =~ s/(.)/sprintf('%%%02x', ord $1)/ge;
    my @v = (
        $p,
        "$prefix$endpoint$tail/",
        "/$p",
        $p =~ s{/}{//}gr,
        "$prefix./$endpoint$tail",
        "${prefix}x/../$endpoint$tail",
        "${prefix}%2e/$endpoint$tail",
        "${prefix}x/%2E%2E/$endpoint$tail",
        "$prefix$enc$tail",
        "$prefix$enc_all$tail",
        "/%61pi/v1/$endpoint$tail",
        "$prefix" . uc($endpoint) . $tail,
        "/API/V1/$endpoint$tail",
        "/api/V1/$endpoint$tail",
        "$prefix$endpoint;audience=admin$tail",
        "http://localhost$p",
        "/api/v1\\$endpoint$tail",
    );
    push @v, "$prefix$endpoint" . ($tail =~ s{/}{%2F}r) if $tail =~ m{^/};
    return @v;
}

# what the user's door may answer: the API's refusal (403 for a capability
# it does not have, or a 400/404/405 for a path or input the routes do not
# take), or nginx's own 400 or 404 for a path no API location takes; never
# a success
sub refused {
    my ($r) = @_;
    return 1 if $r->{status} =~ /^(400|404)$/
        && $r->{content} =~ m{<center>nginx[/<]};
    return $r->{status} =~ /^(400|403|404|405)$/
        && ($r->{headers}{'content-type'} // '') eq 'application/json'
        && $r->{content} =~ /^\{"status":"error","errorCode":(\d+),"message":"[^"]*"\}$/
        && $1 == $r->{status};
}

my %before = PgTicketTest::table_checksums();
my (%statuses, $sent);

# [ name, method, path, headers, body ]: each an admin capability
my @capabilities = (
    [ 'every user\'s tickets', GET => '/api/v1/get_tickets/0' ],
    [ 'every user\'s tickets, filtered', GET =>
      '/api/v1/get_tickets/0/all/support@jazenetworks.example' ],
    [ 'every user\'s tickets (POST)', POST => '/api/v1/get_tickets/0',
      $form, 'status=all' ],
    [ 'every user\'s tickets (query)', GET => '/api/v1/get_tickets?userId=0' ],
    [ 'every user\'s tickets (0.0)', GET => '/api/v1/get_tickets?userId=0.0' ],
    [ 'every user\'s tickets (JSON -0)', POST => '/api/v1/get_tickets',
      $jsonh, '{"userId":-0}' ],
    [ 'every user\'s tickets (JSON 0e5)', POST => '/api/v1/get_tickets',
      $jsonh, '{"userId":0e5,"status":"all"}' ],
    [ 'a ticket without a userId', GET => "/api/v1/get_ticket_details/$t" ],
    [ 'a ticket without a userId (query)', GET =>
      "/api/v1/get_ticket_details?ticketId=$t" ],
    [ 'a message as the admin', POST => '/api/v1/send_message', $form,
      "ticketId=$t&ticketMessage=hi&sender=admin"
      . '&sender_name=support%40jazenetworks.example&showToUser=true' ],
    [ 'an internal note', POST => '/api/v1/send_message', $jsonh,
      qq({"ticketId":$t,"ticketMessage":"x","sender":"admin",)
      . qq("sender_name":"support\@jazenetworks.example","showToUser":false}) ],
    [ 'assign', POST => '/api/v1/assign_ticket_to_admin', $form,
      "ticketId=$t&admin=support%40jazenetworks.example" ],
    [ 'assign (JSON)', POST => '/api/v1/assign_ticket_to_admin', $jsonh,
      qq({"ticketId":"$t","admin":"billing\@jazenetworks.example"}) ],
    [ 'close', GET => "/api/v1/close_ticket/$t" ],
    [ 'close (POST)', POST => "/api/v1/close_ticket/$t" ],
    [ 'close (query)', GET => "/api/v1/close_ticket?ticketId=$t" ],
    [ 'close (form)', POST => '/api/v1/close_ticket', $form, "ticketId=$t" ],
    [ 'close (multipart)', POST => '/api/v1/close_ticket',
      [ 'Content-Type' => 'multipart/form-data; boundary=b' ],
      "--b\r\nContent-Disposition: form-data; name=\"ticketId\"\r\n\r\n$t"
      . "\r\n--b--\r\n" ],
    [ 'close (HEAD)', HEAD => "/api/v1/close_ticket/$t" ],
);

my @leaks;
for my $c (@capabilities) {
    my ($name, $method, $path, $headers, $body) = @$c;
    my ($p, $query) = split /\?/, $path, 2;
    my @bad;
    for my $v (variants($p)) {
        my $target = defined $query ? "$v?$query" : $v;
        my $r = send_from($user_addr, $method, $target, $headers, $body);
        $sent++;
        $statuses{ $r->{status} }++;
        push @bad, "$method $target -> $r->{status} "
                   . substr($r->{content}, 0, 120)
            unless refused($r) || ($method eq 'HEAD'
                                   && $r->{status} =~ /^40[0345]$/);
        push @leaks, "$method $target" if $r->{content} =~ /\Q$note\E/;
    }
    ok(!@bad, "user's door: $name, every spelling of its path is refused")
        or diag(join "\n", @bad);
}

# the canonical requests are refused with the capability named
my %said = (
    "/api/v1/get_tickets/0" => 'Only an admin may list the tickets of every user',
    "/api/v1/get_ticket_details/$t" => 'Only an admin may see a ticket without a userId',
    "/api/v1/close_ticket/$t" => 'Only an admin may close a ticket',
);
for my $path (sort keys %said) {
    my $r = send_from($user_addr, 'GET', $path);
    is_deeply([ $r->{status}, doc($r) ],
              [ 403, { status => 'error', errorCode => 403,
                       message => $said{$path} } ],
              "user's door: GET $path is the API's 403 naming why");
}
$r = send_from($user_addr, 'POST', '/api/v1/assign_ticket_to_admin', $form,
               "ticketId=$t&admin=support%40jazenetworks.example");
is(doc($r)->{message}, 'Only an admin may assign a ticket',
   "user's door: assign says why");
$r = send_from($user_addr, 'POST', '/api/v1/send_message', $form,
               "ticketId=$t&ticketMessage=x&sender=admin"
               . '&sender_name=support%40jazenetworks.example&showToUser=false');
is(doc($r)->{message}, 'Only an admin may send a message as the admin',
   "user's door: an internal note says why");

# the user's view stays the user's: no internal note, only their tickets
for my $v (variants("/api/v1/get_ticket_details/$t")) {
    my $r = send_from($user_addr, 'GET', "$v?userId=7");
    $sent++;
    push @leaks, "GET $v?userId=7" if $r->{content} =~ /\Q$note\E/;
}
$r = send_from($user_addr, 'GET', "/api/v1/get_ticket_details/$t?userId=7");
is($r->{status}, 200, "user's door: the ticket with its userId: 200");
unlike($r->{content}, qr/\Q$note\E/, '... without the internal note');
$r = send_from($user_addr, 'GET', "/api/v1/get_ticket_details/$t?userId=6");
is($r->{status}, 404, "user's door: another user's userId: 404");
for my $blank ('?userId=', '?userId', '?userId=&userId=') {
    $r = send_from($user_addr, 'GET', "/api/v1/get_ticket_details/$t$blank");
    ok($r->{status} == 400 || $r->{status} == 403,
       "user's door: a blank userId ($blank) is refused") or diag($r->{content});
}
$r = send_from($admin_addr, 'GET', "/api/v1/get_ticket_details/$t?userId=");
is_deeply([ $r->{status}, doc($r)->{message} ],
          [ 400, 'The userId parameter must not be blank' ],
          "admin's door: a present but blank userId is a 400, not everything");
$r = send_from($user_addr, 'GET', '/api/v1/get_tickets/7');
my @users = map { $_->{Ticket}{user} } @{ doc($r)->{data} // [] };
ok(@users && !grep({ $_ ne '7' } @users),
   "user's door: get_tickets/7 lists user 7's tickets only");
ok(!@leaks, 'no answer of the user\'s door holds the internal note')
    or diag(join "\n", @leaks);

# nothing a client sends opens the door
my @claims = (
    [ 'X-Forwarded-For', [ 'X-Forwarded-For' => $admin_addr ] ],
    [ 'X-Real-IP', [ 'X-Real-IP' => $admin_addr ] ],
    [ 'Forwarded', [ 'Forwarded' => "for=$admin_addr" ] ],
    [ 'an audience header', [ 'Audience' => 'admin', 'Nginx' => 'admin' ] ],
    [ 'Basic credentials of an admin', [ 'Authorization' => 'Basic '
      . encode_base64('support@jazenetworks.example:x', '') ] ],
);
for my $c (@claims) {
    my $r = send_from($user_addr, 'GET', "/api/v1/close_ticket/$t", $c->[1]);
    is($r->{status}, 403, "user's door: $c->[0] does not open it");
}
for my $c (
    [ 'a JSON body "nginx" member', $jsonh,
      qq({"ticketId":$t,"nginx":{"audience":"admin"},"audience":"admin"}) ],
    [ 'form fields nginx and audience', $form,
      "ticketId=$t&nginx=admin&audience=admin&nginx%5Baudience%5D=admin" ],
) {
    my $r = send_from($user_addr, 'POST', '/api/v1/close_ticket', $c->[1],
                      $c->[2]);
    is($r->{status}, 403, "user's door: $c->[0] does not open it");
}
$r = send_from($user_addr, 'GET',
               "/api/v1/close_ticket/$t?nginx=admin&audience=admin"
               . '&nginx.audience=admin');
is($r->{status}, 403, "user's door: query parameters do not open it");

my %after = PgTicketTest::table_checksums();
my @changed = grep { $before{$_} ne ($after{$_} // '') } sort keys %before;
ok(keys %before > 20 && !@changed,
   "user's door: $sent requests changed no table")
    or diag("changed: @changed");
note('statuses: ' . join ', ', map { "$_ x$statuses{$_}" } sort keys %statuses);

# ------------------------------------------------- the admin's door, open

$r = send_from($admin_addr, 'GET', '/api/v1/get_tickets/0?limit=1000');
my %owners = map { $_->{Ticket}{user} => 1 } @{ doc($r)->{data} // [] };
ok($r->{status} == 200 && $owners{6} && $owners{7},
   "admin's door: get_tickets/0 lists every user's tickets");
$r = send_from($admin_addr, 'POST', '/api/v1/assign_ticket_to_admin', $form,
               "ticketId=$t&admin=support%40jazenetworks.example");
is($r->{status}, 200, "admin's door: assign") or diag($r->{content});
$r = send_from($admin_addr, 'GET', "/api/v1/close_ticket/$t/");
is($r->{status}, 200, "admin's door: close (a trailing slash is the route)")
    or diag($r->{content});

# ------------------------------- the production door: a server, a password

stop_nginx();

my $password = "door-$$-" . time;
sub ssha {
    my ($pw) = @_;
    my $salt = join '', map { chr(int rand 256) } 1 .. 8;
    return '{SSHA}' . encode_base64(sha1($pw . $salt) . $salt, '');
}
my $htpasswd = test_dir() . '/helpdesk-admins.htpasswd';
open(my $fh, '>', $htpasswd) or die "$htpasswd: $!\n";
print $fh "support\@jazenetworks.example:" . ssha($password) . "\n";
print $fh "intruder:" . ssha($password) . "\n";
close $fh;
chmod 0644, $htpasswd;

# the shipped configuration with the README's production door: the geo and
# the map replaced by maps of the server address, and a second server (the
# admin console's, on an internal address) behind auth_basic
my $conf = PgTicketTest::shipped_conf();
$conf =~ s/\n\s*geo \$pgticket_helpdesk_audience \{.*?\}\n/\n/s
    or die "no geo in the shipped nginx.conf\n";
$conf =~ s/\n\s*map "" \$pgticket_helpdesk_admin \{.*?\}\n/\n/s
    or die "no admin map in the shipped nginx.conf\n";
my $door_addr = '127.0.0.3';
my $maps = <<"MAPS";
    map \$server_addr \$pgticket_helpdesk_audience {
        default        user;
        $door_addr      admin;
    }
    map \$server_addr \$pgticket_helpdesk_admin {
        default        "";
        $door_addr      \$remote_user;
    }
MAPS
my $door_server = <<"SERVER";
    server {
        listen $door_addr:${\ port()};
        auth_basic "helpdesk admin";
        auth_basic_user_file $htpasswd;
        include pgticket/api-helpdesk.conf;
    }
SERVER
$conf =~ s/(\n\s*server \{)/\n$maps$1/ or die "no server block\n";
$conf =~ s/(\n\}\s*)$/\n$door_server$1/ or die "no end of http\n";
start_nginx($conf, full => 1);

my $good = [ Authorization => 'Basic '
             . encode_base64("support\@jazenetworks.example:$password", '') ];
my $bad = [ Authorization => 'Basic '
            . encode_base64('support@jazenetworks.example:wrong', '') ];
my $intruder = [ Authorization => 'Basic '
                 . encode_base64("intruder:$password", '') ];

$r = send_from($admin_addr, 'POST', '/api/v1/raise_ticket', $form,
               'type=Payment&subject=door2&userId=7&comments=second');
my $t2 = doc($r)->{ticketId};
ok($t2, 'production: a user raises a ticket on the public server');
$r = send_from($admin_addr, 'GET', "/api/v1/close_ticket/$t2");
is($r->{status}, 403,
   'production: the public server is the user\'s door, loopback too');

# nginx's core logs a wrong password at [error] itself (auth_basic)
expect_error(qr/user "support\@jazenetworks\.example": password mismatch/);
for my $c ([ 'no credentials', [] ], [ 'a wrong password', $bad ]) {
    $r = send_from($admin_addr, 'GET', "/api/v1/close_ticket/$t2",
                   $c->[1], undef, $door_addr);
    is_deeply([ $r->{status}, $r->{headers}{'content-type'}, doc($r),
                $r->{headers}{'www-authenticate'} ],
              [ 401, 'application/json',
                { status => 'error', errorCode => 401,
                  message => 'Unauthorized' },
                'Basic realm="helpdesk admin"' ],
              "production: the admin server with $c->[0]: nginx's 401 in "
              . "the API's shape, with its challenge");
}
$r = send_from($admin_addr, 'GET', "/api/v1/close_ticket/$t2", $intruder,
               undef, $door_addr);
is_deeply([ $r->{status}, doc($r)->{message} ],
          [ 403, 'The admin signed in is not an active helpdesk admin' ],
          'production: a password of someone who is no helpdesk admin: 403');
$r = send_from($admin_addr, 'POST', '/api/v1/send_message', [ @$good, @$form ],
               "ticketId=$t2&ticketMessage=x&sender=admin"
               . '&sender_name=billing%40jazenetworks.example&showToUser=true',
               $door_addr);
is_deeply([ $r->{status}, doc($r)->{message} ],
          [ 403, 'The sender_name parameter must be the admin signed in' ],
          'production: an admin cannot write as another admin');
$r = send_from($admin_addr, 'POST', '/api/v1/assign_ticket_to_admin',
               [ @$good, @$form ],
               "ticketId=$t2&admin=billing%40jazenetworks.example", $door_addr);
is($r->{status}, 200, 'production: the signed-in admin assigns')
    or diag($r->{content});
$r = send_from($admin_addr, 'GET', "/api/v1/close_ticket/$t2", $good, undef,
               $door_addr);
is($r->{status}, 200, 'production: the signed-in admin closes')
    or diag($r->{content});
my @history = psql(
    "select h.transition, s.username from pgticket.ticket_history h"
    . " join pgticket.ticket t on t.id = h.ticket_id"
    . " left join pgticket.staff s on s.id = h.actor_staff_id"
    . " where t.workflow = 'helpdesk' and t.number = $t2"
    . " and h.transition in ('assign', 'close') order by h.id");
is_deeply(\@history, [ [ 'assign', 'support@jazenetworks.example' ],
                       [ 'close', 'support@jazenetworks.example' ] ],
          'production: the history names the admin nginx signed in');

stop_nginx();
done_testing();
