#!/usr/bin/perl
# 001 CRM ticket services over HTTP, through nginx with the shipped routes
# (nginx-module/conf/api-crm.conf, and api-helpdesk.conf to see the same
# tickets through 004): the seed's sample requests and headers on all five
# endpoints, the mandatory headers in the contract's order and in any case,
# tokens minted here with HMAC-SHA256 (so an independent implementation
# agrees with the database's) and forged, expired, alg none, wrong-key and
# truncated ones, the envelope and record keys in the seed's order, comments
# on another contact's ticket refused, a CRM ticket seen through 004 and the
# reporting views, the database going away (HTTP 500 "Downstream error"),
# and no token in any log.  Works on the demo data and can run again.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;
use Time::HiRes qw(time);
use PgTicketTest;

my $conf_dir = "$FindBin::Bin/../../nginx-module/conf";
my $locations = '';
for my $f ('api-crm.conf', 'api-helpdesk.conf') {
    open(my $fh, '<', "$conf_dir/$f") or die "$conf_dir/$f: $!\n";
    $locations .= do { local $/; <$fh> };
    close $fh;
}

# Statements logged with their parameters, as a DBA chasing slow queries
# would: the credentials must still stay out of the log.
my $db = $ENV{PGTICKET_DB};
my $pglog = "$ENV{PGTICKET_RUNDIR}/postgresql.log";
my $pglog_from = -s $pglog // 0;    # what this test adds is searched
psql("alter role pgticket_web in database $db"
     . " set log_min_duration_statement = 0");
END {
    local $?;
    eval { psql("alter role pgticket_web in database $db"
                . " reset log_min_duration_statement") };
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
my $secret = 'pgticket-demo-secret';
my @used_tokens;

# An HS256 JWT, by hand: base64url(header).base64url(claims).signature
sub jwt {
    my ($claims, %o) = @_;
    my $head = encode_base64url($o{header} // '{"alg":"HS256","typ":"JWT"}');
    my $body = encode_base64url(ref $claims ? $json->encode($claims) : $claims);
    my $sig = encode_base64url(hmac_sha256("$head.$body", $o{secret} // $secret));
    my $t = "$head.$body.$sig";
    push @used_tokens, $t;
    return $t;
}

my $tok = jwt({ sub => '24218' });
my $tok2 = jwt({ sub => '649797', exp => int(time) + 3600 });

# the seed's request headers
my %seed_headers = (
    correlationId => '123e4567-e89b-12d3-a456-426614174000',
    destination => 'CRM',
    source => 'Selfcare',
    srDate => '11-09-2021',
);
my %seed_body = (
    source => 'app', ticketstatus => 'Open', effectivedate => 'YYYY-MM-DD',
    ticketcategories => 'Plan change', ticket_title => 'Plan change',
    description => 'Plan change request for ', subcategory => 'sub1',
    status => 'New', category => 'cat1', vouchertype => '',
    voucheridformat => '', passwordpattern => '');
my @record_keys = qw(ticket_no assigned_user_id parent_id ticketpriorities
    product_id ticketseverities ticketstatus ticketcategories update_log hours
    days createdtime modifiedtime modifiedby ticket_title description solution
    contact_id from_portal effectivedate subcategory source starred tags
    cf_1518 cf_1520 cf_1522 cf_1524 cf_1526 internalmemo vendorid vouchertype
    requiredprefix rechargeinterfaces voucheridformat passwordpattern
    currencyid id label);

sub doc {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{content}) } // {};
}

# a request with the seed's headers; headers => {...} adds, replaces or
# (undef) drops one
sub crm {
    my ($method, $path, %o) = @_;
    my %h = (%seed_headers);
    $h{token} = $o{token} if defined $o{token};
    $h{operation} = $o{operation} if defined $o{operation};
    while (my ($k, $v) = each %{ $o{headers} // {} }) {
        if (defined $v) { $h{$k} = $v } else { delete $h{$k} }
    }
    my $body;
    if (exists $o{body}) {
        $body = ref $o{body} ? $json->encode($o{body}) : $o{body};
        $h{'Content-Type'} //= 'application/json';
    }
    return http($method, $path, \%h, $body);
}

sub error_body {
    my ($status, $code, $message) = @_;
    return '{"response":{"success":"false","result":{"arguments":{'
        . qq{"statusCode":"$status","errorCode":"$code","errorMessage":}
        . JSON::PP->new->allow_nonref->encode($message) . '}}}}';
}

my %codes = (400 => '400 BAD_REQUEST', 401 => 'INVALID_TOKEN',
             404 => '404 NOT_FOUND');

sub is_error {
    my ($r, $status, $message, $name) = @_;
    is($r->{status}, $status, "$name: HTTP $status");
    is($r->{content}, error_body($status, $codes{$status}, $message),
       "$name: \"$message\"");
}

sub in_order {
    my ($content, @keys) = @_;
    my $re = join '.*?', map { quotemeta(qq{"$_"}) } @keys;
    return $content =~ /$re/s ? 1 : 0;
}

sub counts {
    my ($row) = psql(q{select (select count(*) from pgticket.ticket),
        (select count(*) from pgticket.ticket_crm),
        (select count(*) from pgticket.ticket_history),
        (select count(*) from pgticket.message)});
    return join ',', @$row;
}

# ----------------------------------------------------- the seed's samples

{
    my $r = crm(GET => '/crm/v1/ticket/details', token => jwt({ sub => '24218' }),
                operation => 'ticketDetail');
    is($r->{status}, 200, 'details: 200');
    is($r->{headers}{'content-type'}, 'application/json',
       'details: application/json');
    my $d = doc($r);
    is($d->{response}{success}, 'true', 'details: success "true"');
    my @seed = ({ ticket_no => 'TT1524', ticketstatus => 'Open',
                  description => 'ctg hjhg',
                  createdtime => '2020-02-14 18:19:47',
                  ticketcategories => 'Request', id => '17x95784' },
                { ticket_no => 'TT990', ticketstatus => 'Open',
                  description => 'mobile test',
                  createdtime => '2019-09-13 20:15:40',
                  ticketcategories => 'Request', id => '17x82089' });
    my @demo = grep { $_->{ticket_no} =~ /^TT(1524|990)$/ }
               @{ $d->{response}{result} // [] };
    is_deeply(\@demo, \@seed, 'details: the seed\'s two tickets, newest first');
    my @times = map { $_->{createdtime} } @{ $d->{response}{result} // [] };
    is_deeply(\@times, [ sort { $b cmp $a } @times ],
              'details: every ticket newest first');
    ok(in_order($r->{content}, qw(response success result ticket_no
            ticketstatus description createdtime ticketcategories id)),
       'details: keys in the seed\'s order');
    unlike($r->{content}, qr/[:,] |" :/, 'details: compact JSON');

    $r = crm(GET => '/crm/v1/ticket/details', token => $tok2,
             operation => 'ticketDetail');
    is_deeply([ map { $_->{ticket_no} } @{ doc($r)->{response}{result} } ]->[-1],
              'TT10057', 'details of contact 649797: TT10057');

    $r = crm(GET => '/crm/v1/ticket/issues', token => $tok,
             operation => 'issueTypes');
    is($r->{status}, 200, 'issues: 200');
    is($r->{content}, '{"response":{"success":"true","result":{"code":"00000",'
       . '"issueTypes":["General Enquiry","Plan Enquiry"]}}}',
       'issues: the seed\'s answer, compact');
    is(crm(HEAD => '/crm/v1/ticket/issues', token => $tok,
           operation => 'issueTypes')->{status}, 200, 'issues: HEAD 200');
}

# POST /crm/v1/ticket with the seed's body
my $new_no;
{
    my $before = counts();
    my $r = crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
                body => \%seed_body);
    is($r->{status}, 200, 'create: 200');
    my $rec = doc($r)->{response}{result} // {};
    is(doc($r)->{response}{success}, 'true', 'create: success "true"');
    ok(in_order($r->{content}, 'response', 'success', 'result', @record_keys),
       'create: every key of the seed\'s record, in its order');
    is(scalar(keys %$rec), scalar(@record_keys),
       'create: no key the seed does not have');
    ok(!grep({ ref $rec->{$_} || $r->{content} !~ /"$_":"/ } @record_keys),
       'create: every value a string');
    like($rec->{ticket_no} // '', qr/^TT\d+$/, 'create: ticket_no TT<n>');
    like($rec->{id} // '', qr/^17x\d+$/, 'create: id 17x<n>');
    like($rec->{createdtime} // '', qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
         'create: createdtime YYYY-MM-DD HH:MM:SS');
    is_deeply({ map { $_ => $rec->{$_} } qw(ticketstatus ticketcategories
            ticket_title description contact_id label effectivedate
            subcategory source from_portal starred) },
              { ticketstatus => 'Open', ticketcategories => 'Plan change',
                ticket_title => 'Plan change',
                description => 'Plan change request for ',
                contact_id => '12x24218', label => 'Plan change',
                effectivedate => '', subcategory => 'sub1', source => 'app',
                from_portal => '0', starred => '0' },
              'create: the record as the seed shows it');
    ($new_no) = ($rec->{ticket_no} // 'TT0') =~ /(\d+)/;
    my @b = split /,/, $before;
    my @a = split /,/, counts();
    is_deeply([ map { $a[$_] - $b[$_] } 0 .. 3 ], [ 1, 1, 1, 0 ],
              'create: one ticket, its CRM row and history');

    $r = crm(GET => '/crm/v1/ticket/details', token => $tok,
             operation => 'ticketDetail');
    is(doc($r)->{response}{result}[0]{ticket_no}, "TT$new_no",
       'create: the contact\'s newest ticket');

    # keys regardless of case and underscores
    $r = crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
             body => { Source => 'web', ticketStatus => 'Open',
                       effectiveDate => '2021-09-11',
                       ticketCategories => 'Request',
                       tickettitle => 'Roaming', description => 'Roam',
                       subCategory => 's', STATUS => 'New', category => 'c',
                       voucherType => '', voucherIdFormat => '',
                       password_pattern => '' });
    is($r->{status}, 200, 'create, keys in other cases: 200');
    is_deeply([ @{ doc($r)->{response}{result} // {} }{qw(ticket_title
                effectivedate source)} ], [ 'Roaming', '2021-09-11', 'web' ],
              'create, keys in other cases: stored');
}

# POST /crm/v1/social/ticket: the seed's headers and body, no token
{
    my $r = crm(POST => '/crm/v1/social/ticket', operation => 'create',
                body => \%seed_body);
    is($r->{status}, 200, 'social: 200');
    my $rec = doc($r)->{response}{result} // {};
    ok(in_order($r->{content}, 'response', 'success', 'result', @record_keys),
       'social: the whole record in the seed\'s order');
    is($rec->{contact_id}, '12x24218',
       'social: the contact of the crm_social_contact setting (the seed\'s)');
    $r = crm(POST => '/crm/v1/social/ticket', operation => 'create',
             body => { %seed_body, contactId => '649797' });
    is(doc($r)->{response}{result}{contact_id}, '12x649797',
       'social: the body\'s contactId');
}

# POST /crm/v1/ticket/comment: the seed's body (contact 649797's ticket)
{
    my $before = counts();
    my $r = crm(POST => '/crm/v1/ticket/comment', token => $tok2,
                operation => 'addTicketComment',
                body => { ticketNo => '10057', comment => 'venki testing',
                          contactId => '649797' });
    is($r->{status}, 200, 'comment: 200');
    is($r->{content}, '{"response":{"success":"true","result":{"message":'
       . '"Comments submitted successfully"}}}', 'comment: the seed\'s answer');
    $r = crm(POST => '/crm/v1/ticket/comment', token => $tok,
             operation => 'addTicketComment',
             headers => { data => 'comment from the data header' },
             body => { ticketNo => "TT$new_no", contactId => '24218' });
    is($r->{status}, 200, 'comment from the data header: 200');
    my @b = split /,/, $before;
    my @a = split /,/, counts();
    is($a[3] - $b[3], 2, 'two comments written');
    my ($m) = psql("select m.body, m.author_kind, m.visibility"
        . " from pgticket.message m join pgticket.ticket t on t.id = m.ticket_id"
        . " where t.workflow = 'helpdesk' and t.number = " . int($new_no)
        . " order by m.id desc limit 1");
    is_deeply($m, [ 'comment from the data header', 'customer', 'public' ],
              'comment: a public message of the contact');

    # another contact's ticket, an unknown one: the same 404; nothing written
    my $c = counts();
    is_error(crm(POST => '/crm/v1/ticket/comment', token => $tok,
                 operation => 'addTicketComment',
                 body => { ticketNo => '10057', comment => 'not mine',
                           contactId => '24218' }),
             404, 'Ticket TT10057 not found.', 'comment on another\'s ticket');
    is_error(crm(POST => '/crm/v1/ticket/comment', token => $tok,
                 operation => 'addTicketComment',
                 body => { ticketNo => '987654321', comment => 'x',
                           contactId => '24218' }),
             404, 'Ticket TT987654321 not found.', 'comment on no ticket');
    is_error(crm(POST => '/crm/v1/ticket/comment', token => $tok,
                 operation => 'addTicketComment',
                 body => { ticketNo => '10057', comment => 'x',
                           contactId => '649797' }),
             400, 'Body parameter \'contactId\' does not match the token\'s contact.',
             'comment with another contactId');
    is_error(crm(POST => '/crm/v1/ticket/comment', token => $tok,
                 operation => 'addTicketComment',
                 body => { ticketNo => '1524', contactId => '24218' }),
             400, 'Body parameter \'comment\' not present in the request.',
             'comment without comment or data');
    is(counts(), $c, 'refused comments wrote nothing');
}

# ------------------------------------------------------- mandatory headers

{
    my $c = counts();
    my @order = qw(token correlationId source srdate operation destination);
    my %all = (%seed_headers, token => $tok, operation => 'ticketDetail');
    for my $i (0 .. $#order) {
        # the first missing header is named, whatever follows it
        my %h = map { $_ => $all{$_} } grep { $_ ne 'srDate' } keys %all;
        $h{srdate} = $all{srDate};
        delete $h{$_} for @order[$i .. $#order];
        my $r = http(GET => '/crm/v1/ticket/details', \%h);
        is_error($r, 400, "Header '$order[$i]' not present in the request.",
                 "details without $order[$i] and after");
        %h = map { $_ => $all{$_} } grep { $_ ne 'srDate' } keys %all;
        $h{srdate} = $all{srDate};
        delete $h{$order[$i]};
        is_error(http(GET => '/crm/v1/ticket/details', \%h), 400,
                 "Header '$order[$i]' not present in the request.",
                 "details without $order[$i]");
    }
    # every endpoint, the seed's example (no source)
    for my $e ([ GET => '/crm/v1/ticket/issues', 'issueTypes' ],
               [ POST => '/crm/v1/ticket', 'create' ],
               [ POST => '/crm/v1/social/ticket', 'create' ],
               [ POST => '/crm/v1/ticket/comment', 'addTicketComment' ]) {
        my ($m, $p, $op) = @$e;
        is_error(crm($m, $p, token => $tok, operation => $op,
                     headers => { source => undef }, body => {}),
                 400, "Header 'source' not present in the request.",
                 "$p without source");
        is_error(crm($m, $p, token => $tok, headers => { source => undef },
                     body => {}),
                 400, "Header 'source' not present in the request.",
                 "$p without source or operation");
        is_error(crm($m, $p, token => $tok, operation => 'other', body => {}),
                 400, "Header 'operation' must be '$op' for this service.",
                 "$p with another operation");
    }
    is_error(crm(POST => '/crm/v1/ticket', operation => 'create',
                 body => \%seed_body), 400,
             "Header 'token' not present in the request.",
             'create without a token');
    is_error(crm(POST => '/crm/v1/ticket/comment',
                 operation => 'addTicketComment',
                 body => { ticketNo => '10057', comment => 'x',
                           contactId => '649797' }), 400,
             "Header 'token' not present in the request.",
             'comment with the seed\'s headers (no token)');
    is_error(crm(GET => '/crm/v1/ticket/details', token => $tok,
                 operation => 'ticketDetail',
                 headers => { srDate => '2021-09-11' }), 400,
             "Header 'srdate' must be a date as dd-mm-yyyy.", 'srdate ISO');
    # names in any case
    my $r = http(GET => '/crm/v1/ticket/issues',
                 { TOKEN => $tok, CorrelationID => '1', SOURCE => 'Selfcare',
                   SRDATE => '11-09-2021', Operation => 'issueTypes',
                   DESTINATION => 'CRM' });
    is($r->{status}, 200, 'header names in any case: 200');
    is(counts(), $c, 'header errors wrote nothing');
}

# ------------------------------------------------------------------ tokens

{
    my $c = counts();
    my ($h, $p, $s) = split /\./, $tok;
    my @cases = (
        [ 'string', 'JWT strings must contain exactly 2 period characters. Found: 0',
          'the seed\'s no-dots token' ],
        [ "$h.$p", 'JWT strings must contain exactly 2 period characters. Found: 1',
          'one dot' ],
        [ jwt({ sub => '24218' }, header => '{"alg":"none","typ":"JWT"}') =~ s/[^.]+$//r,
          'Unsigned Claims JWTs are not supported.', 'alg none, unsigned' ],
        [ jwt({ sub => '24218' }, header => '{"alg":"none"}'),
          'Unsigned Claims JWTs are not supported.', 'alg none, signed' ],
        [ jwt({ sub => '24218' }, header => '{"alg":"HS384"}'),
          'Unsupported JWT signature algorithm: only HS256 is accepted.',
          'alg HS384' ],
        [ jwt({ sub => '24218' }, secret => 'another-secret'),
          'JWT signature does not match locally computed signature. JWT validity cannot be asserted and should not be trusted.',
          'signed with another secret' ],
        [ $h . '.' . encode_base64url('{"sub":"649797"}') . ".$s",
          'JWT signature does not match locally computed signature. JWT validity cannot be asserted and should not be trusted.',
          'forged: another contact under the signature' ],
        [ substr($tok, 0, -6),
          'JWT signature does not match locally computed signature. JWT validity cannot be asserted and should not be trusted.',
          'truncated' ],
        [ jwt({ sub => '24218', exp => 1577836800 }),
          qr/^JWT expired at 2020-01-01T00:00:00Z\. Current time: /, 'expired' ],
        [ jwt({ sub => '999999' }), 'Unknown contact.', 'unknown contact' ],
        [ jwt({ name => 'nobody' }), 'Unknown contact.', 'no subject' ],
    );
    for my $case (@cases) {
        my ($token, $message, $name) = @$case;
        my $r = crm(GET => '/crm/v1/ticket/details', token => $token,
                    operation => 'ticketDetail');
        if (ref $message) {
            is($r->{status}, 401, "$name: HTTP 401");
            my $a = doc($r)->{response}{result}{arguments} // {};
            is_deeply([ $a->{statusCode}, $a->{errorCode} ],
                      [ '401', 'INVALID_TOKEN' ], "$name: INVALID_TOKEN");
            like($a->{errorMessage} // '', $message, "$name: message");
        } else {
            is_error($r, 401, $message, $name);
        }
    }
    # a token refused on a write endpoint writes nothing
    is_error(crm(POST => '/crm/v1/ticket', token => 'string',
                 operation => 'create', body => \%seed_body), 401,
             'JWT strings must contain exactly 2 period characters. Found: 0',
             'create with a bad token');
    is(counts(), $c, 'refused tokens wrote nothing');
}

# -------------------------------------------------------------- body rules

{
    my $c = counts();
    for my $p (qw(ticketstatus effectivedate ticketcategories ticket_title
                  description subcategory status category vouchertype
                  voucheridformat passwordpattern source)) {
        my %b = %seed_body;
        delete $b{$p};
        my $r = crm(POST => '/crm/v1/ticket', token => $tok,
                    operation => 'create', body => \%b);
        (my $name = $p) =~ s/_//g;
        is($r->{status}, 400, "create without $p: 400");
        like(doc($r)->{response}{result}{arguments}{errorMessage} // '',
             qr/^Body parameter '(?i:\Q$name\E)' not present in the request\.$/,
             "create without $p: names it");
    }
    is_error(crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
                 body => { %seed_body, ticketstatus => 'Closed' }), 400,
             'Body parameter \'ticketStatus\' must be \'Open\' for a new ticket.',
             'create closed');
    is_error(crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
                 body => { %seed_body, effectivedate => '2021-02-30' }), 400,
             'Body parameter \'effectiveDate\' must be a date as YYYY-MM-DD.',
             'create with an impossible date');
    is_error(crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
                 body => { %seed_body, description => [ 'x' ] }), 400,
             'Body parameter \'description\' must be a string.',
             'create with an array');
    is_error(crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
                 body => '{"source": "app",'), 400, 'Malformed request body.',
             'create with malformed JSON');
    is_error(crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
                 body => '[1]'), 400,
             'The request body must be a JSON object.', 'create with an array body');
    is(counts(), $c, 'refused bodies wrote nothing');
}

# ---------------------------------------- what nginx answers by itself

{
    my $r = http(GET => '/crm/v1/nothing');
    is($r->{status}, 404, 'unknown path: 404');
    is($r->{content}, error_body(404, '404 NOT_FOUND', 'Not found.'),
       'unknown path: the envelope');
    $r = crm(DELETE => '/crm/v1/ticket', token => $tok, operation => 'create');
    is($r->{status}, 405, 'DELETE: 405');
    is($r->{content}, error_body(405, '405 METHOD_NOT_ALLOWED',
                                 'Method not allowed.'),
       'DELETE: the envelope, errorCode as the seed spells it');
    $r = crm(POST => '/crm/v1/ticket', token => $tok, operation => 'create',
             body => 'x' x (1024 * 1024 + 1));
    is($r->{status}, 413, 'body over 1 MiB: 413');
    is(doc($r)->{response}{result}{arguments}{statusCode}, '413',
       'body over 1 MiB: the envelope');
    is(doc($r)->{response}{result}{arguments}{errorCode},
       '413 CONTENT_TOO_LARGE', 'body over 1 MiB: errorCode');
}

# ------------------------------- a header sent twice has no one value

{
    my $c = counts();
    my $r = crm(POST => '/crm/v1/ticket', token => [ 'bad', $tok ],
                operation => 'create', body => { %seed_body });
    is($r->{status}, 400, 'token sent twice: 400');
    is($r->{content}, error_body(400, '400 BAD_REQUEST',
                                 'The token header was sent twice.'),
       'token sent twice: the envelope names the header');
    $r = crm(POST => '/crm/v1/ticket', token => $tok,
             operation => [ 'create', 'ticketDetail' ], body => { %seed_body });
    is($r->{status}, 400, 'operation sent twice: 400');
    like(doc($r)->{response}{result}{arguments}{errorMessage} // '',
         qr/^The operation header was sent twice/, '... naming operation');
    is(counts(), $c, 'headers sent twice wrote nothing');
}

# -------------------------------------- one store: 004 and the reports

{
    my $r = http(GET => "/api/v1/get_ticket_details/$new_no");
    is($r->{status}, 200, '004 get_ticket_details of the CRM ticket: 200');
    my $d = doc($r)->{message} // {};
    is_deeply([ map { $_->{ticket_message} } @{ $d->{ticket_conversation} // [] } ],
              [ 'comment from the data header' ],
              '004 shows the comment made through 001');
    $r = http(GET => "/api/v1/close_ticket/$new_no");
    is($r->{status}, 200, '004 closes the CRM ticket');
    $r = crm(GET => '/crm/v1/ticket/details', token => $tok,
             operation => 'ticketDetail');
    my ($t) = grep { $_->{ticket_no} eq "TT$new_no" }
              @{ doc($r)->{response}{result} // [] };
    is($t->{ticketstatus}, 'Closed', '001 shows it closed');
    my ($row) = psql("select r.id = t.id, r.state, r.category, r.customer"
        . " from pgticket_report.tickets r join pgticket.ticket t"
        . " on t.workflow = 'helpdesk' and t.number = " . int($new_no)
        . " where r.workflow = 'helpdesk' and r.number = " . int($new_no));
    is_deeply($row, [ 't', 'closed', 'closed', 'CRM demo contact 24218' ],
              'the reporting view shows the same row');
}

# ------------------------------------------------------- database down

expect_error(qr/could not connect to PostgreSQL|lost PostgreSQL connection/);
pg_stop();
for my $e ([ GET => '/crm/v1/ticket/details', 'ticketDetail' ],
           [ POST => '/crm/v1/ticket', 'create' ]) {
    my ($m, $p, $op) = @$e;
    my $r = crm($m, $p, token => $tok, operation => $op, body => \%seed_body);
    is($r->{status}, 500, "database down, $p: HTTP 500");
    is($r->{content}, error_body(500, 'Downstream error',
                                 '- Not Able to connect with CRM.'),
       "database down, $p: the seed's server error");
}
pg_start();
ok(wait_until(5, sub {
       crm(GET => '/crm/v1/ticket/issues', token => $tok,
           operation => 'issueTypes')->{status} == 200 }),
   'database back: served again');

# ------------------------------------------------------ no token in logs

stop_nginx();
{
    my @sigs = map { (split /\./)[2] } grep { tr/.// == 2 } @used_tokens;
    for my $log (test_dir() . '/error.log', test_dir() . '/access.log', $pglog) {
        my $text = '';
        if (open(my $fh, '<', $log)) {
            seek($fh, $pglog_from, 0) if $log eq $pglog;
            $text = do { local $/; <$fh> } // '';
        }
        like($text, qr/duration: .*api_crm\.ticket_details/,
             'postgresql.log has the statements (the search means something)')
            if $log eq $pglog;
        my @found = grep { length($_) > 20 && index($text, $_) >= 0 } @sigs;
        ok(!@found, 'no token in ' . ($log =~ s{.*/}{}r))
            or diag("found: @found");
    }
    ok(@sigs >= 8, scalar(@sigs) . " token signatures searched for");
}

done_testing();
