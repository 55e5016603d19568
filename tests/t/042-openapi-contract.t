#!/usr/bin/perl
# Contract: the real stack's answers match the documents.  nginx runs the
# shipped configuration (nginx-module/pgticket.conf.in, as `make run`) on
# the test cluster, and for every document a third-party validator, prism,
# proxies to it:
#
#   prism proxy nginx-module/openapi/<api>.yaml http://127.0.0.1:<port> \
#       --validate-request=false
#
# (Without --errors prism forwards every request and reports what it finds
# in the sl-violations header.  It checks a request's credentials against
# the document's security even then; requests sent without them on
# purpose, to see the API refuse them, are reported "Invalid security
# scheme used", and only that finding is set aside.  With --errors prism
# would answer such requests 401 itself, in its own words, and the API's
# own refusal would go unchecked.)
#
# Through it go the API's contract requests (tests/openapi/<api>.json: the
# seed's samples and each operation's documented statuses), then for every
# operation that documents them: a body over 1 MiB (413), the same request
# with the database unreachable (503, or the API's own unavailable status)
# and with a database that lacks pgticket (500), and from an address over
# its rate (429: limit_req's rate lowered to one a minute, its burst used
# up by requests straight to nginx).  Requests marked "door": "user" are
# sent last, with the helpdesk's admin door shut (no address in its geo).  Any finding prism adds in
# its sl-violations header (a body, header or content type the document
# does not allow; an undeclared status is only a warning, in that header
# too), or an answer prism made itself, fails the test, as does a status
# other than the one the request expects, or a documented status no
# request was answered with.
#
# Last, the document edited to contradict the server (the "contradictions"
# of tests/openapi/<api>.json, each a JSON pointer into it) must make prism
# report a violation for the request it names: the test catches a document
# that is wrong.
#
# PGTICKET_OPENAPI=helpdesk (comma-separated) limits it to some APIs.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);
use PgTicketTest qw(test_dir port psql wait_until);
use PgTicketOpenApi;

node_tools_ok();
my $dir = test_dir();
my $port = port();
my $prism_port = $port + 50;     # tests use base + 0..49
my $top = top();
my $json = JSON::PP->new->utf8->canonical;
my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0, max_redirect => 0);
my $body_limit = 1024 * 1024;    # pgticket_body_limit's default
my $prism_pid;

END {
    my $status = $?;
    stop_prism();
    shipped_nginx_stop($dir);
    $? = $status;
}

sub start_prism {
    my ($doc, $log) = @_;
    stop_prism();
    $prism_pid = fork // die "fork: $!\n";
    if (!$prism_pid) {
        open(STDOUT, '>', $log) or die "$log: $!\n";
        open(STDERR, '>&', \*STDOUT);
        exec(tool('prism'), 'proxy', $doc, "http://127.0.0.1:$port",
             '--validate-request=false',
             '-h', '127.0.0.1', '-p', $prism_port);
        die "exec prism: $!\n";
    }
    wait_until(60, sub {
        IO::Socket::INET->new(PeerAddr => "127.0.0.1:$prism_port",
                              Timeout => 1) ? 1 : 0;
    }) or BAIL_OUT("prism does not listen on $prism_port: "
                   . `tail -5 '$log'`);
}

sub stop_prism {
    return unless $prism_pid;
    kill 'TERM', $prism_pid;
    waitpid($prism_pid, 0);
    undef $prism_pid;
}

sub uri {
    my ($s) = @_;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# name=value&...; an array value repeats its name (fields=a&fields=b)
sub form_text {
    my ($h) = @_;
    return join '&', map {
        my $k = $_;
        map { uri($k) . '=' . uri($_) }
            ref $h->{$k} eq 'ARRAY' ? @{ $h->{$k} } : ($h->{$k});
    } sort keys %$h;
}

# ${name} in strings, from the values saved so far
sub subst {
    my ($v, $vars) = @_;
    if (ref $v eq 'HASH') {
        return { map { ($_ => subst($v->{$_}, $vars)) } keys %$v };
    } elsif (ref $v eq 'ARRAY') {
        return [ map { subst($_, $vars) } @$v ];
    } elsif (defined $v && !ref $v) {
        $v =~ s{\$\{(\w+)\}}{$vars->{$1} // die "\${$1} is not saved\n"}ge;
    }
    return $v;
}

# a contract request, values substituted, as an HTTP::Tiny request
sub build {
    my ($r, $to) = @_;
    my %h = %{ $r->{headers} // {} };
    my $url = "http://127.0.0.1:" . ($to // $prism_port) . $r->{path};
    $url .= '?' . form_text($r->{query}) if $r->{query};
    my $content;
    if ($r->{form}) {
        $h{'Content-Type'} = 'application/x-www-form-urlencoded';
        $content = form_text($r->{form});
    } elsif ($r->{multipart}) {
        my $b = 'pgticketContract7MA4YWxkTrZu0gW';
        $h{'Content-Type'} = "multipart/form-data; boundary=$b";
        $content = join('', map {
            "--$b\r\nContent-Disposition: form-data; name=\"$_\"\r\n\r\n"
            . "$r->{multipart}{$_}\r\n"
        } sort keys %{ $r->{multipart} }) . "--$b--\r\n";
    } elsif (exists $r->{json}) {
        $h{'Content-Type'} = 'application/json';
        $content = $json->encode($r->{json});
    } elsif (defined $r->{body}) {
        $h{'Content-Type'} = $r->{content_type} if $r->{content_type};
        $content = $r->{body};
    }
    return ($r->{method}, $url, { headers => \%h,
                                  defined $content ? (content => $content)
                                                   : () });
}

# a request through prism, or straight to nginx ($to: its port)
sub send_request {
    my ($r, $to) = @_;
    my ($method, $url, $opts) = build($r, $to);
    return $ua->request($method, $url, $opts);
}

sub pointer_get {
    my ($data, $pointer) = @_;
    for my $t (grep { length } split m{/}, $pointer) {
        $t =~ s/~1/\//g;
        $t =~ s/~0/~/g;
        $data = ref $data eq 'ARRAY' ? $data->[$t] : $data->{$t};
        return undef unless defined $data;
    }
    return $data;
}

# set (or delete) the value at a JSON pointer of a document
sub pointer_edit {
    my ($data, $pointer, $value, $delete) = @_;
    my @t = map { s/~1/\//gr =~ s/~0/~/gr } grep { length } split m{/},
        $pointer;
    my $last = pop @t;
    $data = ref $data eq 'ARRAY' ? $data->[$_] : $data->{$_} for @t;
    die "no $pointer in the document\n"
        unless ref $data eq 'HASH' && ($delete ? exists $data->{$last} : 1);
    if ($delete) {
        delete $data->{$last};
    } else {
        $data->{$last} = $value;
    }
}

# What prism found wrong with an answer, as text ('' when nothing): its
# sl-violations header without the findings about the request's
# credentials (see above), and any answer prism made up itself instead of
# forwarding the server's (a problem of type https://stoplight.io/prism/...).
sub violations {
    my ($res) = @_;
    my @found;
    if (defined(my $h = $res->{headers}{'sl-violations'})) {
        my $list = eval { JSON::PP->new->decode($h) } // [ { message => $h } ];
        push @found, grep {
            !(($_->{location}[0] // '') eq 'request'
              && ($_->{code} // '') eq '401'
              && ($_->{message} // '') eq 'Invalid security scheme used')
        } @$list;
    }
    push @found, { message => "prism's own answer: $res->{content}" }
        if ($res->{content} // '') =~ m{"type":"https://stoplight\.io/prism/};
    return join "\n", map { $json->encode($_) } @found;
}

sub check {
    my ($name, $r, $res, $want) = @_;
    my $violations = violations($res);
    my $ok = $res->{status} == $want && $violations eq '';
    ok($ok, "$name: $r->{method} $r->{path}: $r->{name} -> $want")
        or diag("got $res->{status}"
                . ($violations ne '' ? "\nviolations: $violations" : '')
                . "\n" . substr($res->{content} // '', 0, 600));
    return $ok;
}

# A redirect (3xx) cannot go through prism: its proxy follows redirects
# itself and would check the answer at Location against this operation
# (stoplightio/prism#1977, no option to turn it off).  So a request that
# expects a 3xx goes straight to nginx, and the answer is checked here
# against the operation's documented answer: the status is documented,
# every required header is there, every documented header matches its
# schema's const or pattern, and there is no body when none is documented.
sub check_redirect {
    my ($name, $r, $res, $o) = @_;
    my $doc = $o->{op}{responses}{ $res->{status} };
    my @bad;
    push @bad, "status $res->{status}, not $r->{status}"
        unless $res->{status} == $r->{status};
    push @bad, "status $res->{status} is not documented" unless $doc;
    for my $h (sort keys %{ $doc->{headers} // {} }) {
        my $spec = $doc->{headers}{$h};
        my $schema = $spec->{schema} // {};
        my $v = $res->{headers}{ lc $h };
        if (!defined $v) {
            push @bad, "no $h header" if $spec->{required};
            next;
        }
        my @unknown = grep { !/^(type|format|const|pattern|description)$/ }
            keys %$schema;
        push @bad, "$h: schema keywords this check does not know: @unknown"
            if @unknown;
        push @bad, "$h: $v is not $schema->{const}"
            if defined $schema->{const} && $v ne $schema->{const};
        push @bad, "$h: $v does not match $schema->{pattern}"
            if defined $schema->{pattern} && $v !~ /$schema->{pattern}/;
    }
    push @bad, 'a body, where none is documented'
        if $doc && !$doc->{content} && length($res->{content} // '');
    push @bad, 'a documented body (not checked here)'
        if $doc && $doc->{content};
    ok(!@bad, "$name: $r->{method} $r->{path}: $r->{name} -> $r->{status}"
              . ' (straight to nginx)')
        or diag(join "\n", @bad);
    return !@bad;
}

shipped_nginx_start($dir, $port);

for my $name (documents()) {
    my $file = "$top/tests/openapi/$name.json";
    ok(-f $file, "$name: contract requests in tests/openapi/$name.json")
        or next;
    my $spec = do {
        open(my $fh, '<', $file) or die "$file: $!\n";
        local $/;
        JSON::PP->new->utf8->decode(<$fh>);
    };
    my $doc = document($name, "$dir/$name.json");
    my @ops = operations($doc);
    my (%vars, %seen, %first, %sent, @user_door);
    my $unavailable = $spec->{unavailable_status} // 503;

    # the API's requests, through prism on the document as it is
    start_prism(document_file($name), "$dir/prism-$name.log");
    for my $req (@{ $spec->{requests} }) {
        if ($req->{sql}) {
            my ($row) = psql(subst($req->{sql}, \%vars));
            $vars{ $req->{save} } = $row->[0] if $req->{save};
            next;
        }
        my $r = subst($req, \%vars);
        if (($r->{door} // '') eq 'user') {
            push @user_door, $r;    # sent below, through the user's door
            next;
        }
        my ($path) = split /\?/, $r->{path};
        my $o = match_operation(\@ops, $r->{method}, $path)
            or fail("$name: $r->{name}: $r->{method} $path is no documented"
                    . ' operation'), next;
        my $key = "$o->{method} $o->{path}";
        $first{$key} //= $r;
        $sent{ $r->{name} } = $r;
        if ($r->{status} =~ /^3/) {
            check_redirect($name, $r, send_request($r, $port), $o) or next;
            $seen{$key}{ $r->{status} } = 1;
            next;
        }
        my $res = send_request($r);
        check($name, $r, $res, $r->{status}) or next;
        $seen{$key}{ $res->{status} } = 1;
        my $body = eval { JSON::PP->new->utf8->decode($res->{content}) };
        for my $var (sort keys %{ $req->{save} // {} }) {
            my $v = pointer_get($body, $req->{save}{$var});
            ok(defined $v && !ref $v, "$name: $r->{name}: saved \${$var}")
                or diag($res->{content});
            $vars{$var} = $v // '';
        }
    }

    # a body over the limit, for every operation that documents 413
    for my $o (@ops) {
        my $key = "$o->{method} $o->{path}";
        next unless $o->{op}{responses}{413} && $first{$key};
        my %r = (%{ $first{$key} }, name => 'a body over the limit',
                 body => 'x=' . ('a' x $body_limit),
                 content_type => 'application/x-www-form-urlencoded');
        delete @r{qw(form multipart json)};
        my $res = send_request(\%r);
        $seen{$key}{ $res->{status} } = 1 if check($name, \%r, $res, 413);
    }

    # every operation's first request again, with the database unreachable
    # and with a database without pgticket (the SQL function is missing),
    # one nginx's role may connect to (pg_hba.conf lets it reach only the
    # databases it serves)
    my $empty = 'pgticket_openapi_empty';
    psql("create database $empty")
        unless psql("select 1 from pg_database where datname = '$empty'");
    PgTicketTest::allow_database($empty);
    for my $phase (
            [ $unavailable, 'the database unreachable',
              sub { $_[0] =~ s/host=\S+/host=$dir\/no-such-socket-dir/r } ],
            [ 500, 'a database without pgticket',
              sub { $_[0] =~ s/dbname=\S+/dbname=$empty/r } ]) {
        my ($want, $what, $edit) = @$phase;
        shipped_nginx_start($dir, $port, $edit);
        for my $o (@ops) {
            my $key = "$o->{method} $o->{path}";
            next unless $o->{op}{responses}{$want} && $first{$key};
            my %r = (%{ $first{$key} }, name => $what);
            my $res = send_request(\%r);
            $seen{$key}{ $res->{status} } = 1
                if check($name, \%r, $res, $want);
        }
    }

    # every operation's first request again, with this address over its
    # rate (limit_req's 20 requests a second made one a minute, and its
    # burst of 40 used up by requests straight to nginx): nginx's own 429
    my @limited = grep {
        $_->{op}{responses}{429} && $first{"$_->{method} $_->{path}"}
    } @ops;
    if (@limited) {
        shipped_nginx_start($dir, $port, undef, sub {
            my ($text) = @_;
            $text =~ s/(zone=pgticket_credentials:\S+ rate=)\S+;/${1}1r\/m;/
                or die "no limit_req_zone pgticket_credentials\n";
            return $text;
        });
        # an unknown path in the API's location: a 404 that asks no one
        my $o = $limited[0];
        my %flood = (method => 'GET', name => 'flood',
                     path => $first{"$o->{method} $o->{path}"}{path}
                             =~ s/\?.*//r . '/no-such-route');
        send_request(\%flood, $port) for 1 .. 45;
        for my $o (@limited) {
            my $key = "$o->{method} $o->{path}";
            my %r = (%{ $first{$key} }, name => 'this address over its rate');
            my $res = send_request(\%r);
            $seen{$key}{ $res->{status} } = 1 if check($name, \%r, $res, 429);
        }
    }

    # the requests for the user's door: the shipped configuration with
    # the helpdesk's admin door shut (its geo lists no admin address), so
    # that prism's requests, from loopback, come through the user's door
    if (@user_door) {
        shipped_nginx_start($dir, $port, undef, sub {
            my ($text) = @_;
            $text =~ s/^\s*(127\.0\.0\.1|::1)\s+admin;\n//mg == 2
                or die "no admin addresses in the helpdesk's geo\n";
            return $text;
        });
        start_prism(document_file($name), "$dir/prism-$name-door.log");
        for my $r (@user_door) {
            my ($path) = split /\?/, $r->{path};
            my $o = match_operation(\@ops, $r->{method}, $path)
                or fail("$name: $r->{name}: $r->{method} $path is no"
                        . ' documented operation'), next;
            my $res = send_request($r);
            $seen{"$o->{method} $o->{path}"}{ $res->{status} } = 1
                if check($name, $r, $res, $r->{status});
        }
    }
    shipped_nginx_start($dir, $port);

    # every documented status of every operation was answered
    for my $o (@ops) {
        my $key = "$o->{method} $o->{path}";
        my @missing = grep {
            my $s = $_;
            my $re = $s =~ s/X/\\d/gr;
            !grep { /^$re$/ } keys %{ $seen{$key} // {} };
        } grep { $_ ne 'default' } sort keys %{ $o->{op}{responses} };
        is("@missing", '', "$name: $key: every documented status answered");
    }

    # the document edited to contradict the server fails the contract
    my @contra = @{ $spec->{contradictions} // [] };
    ok(@contra, "$name: contradictions to check the check with");
    next unless @contra;
    my $bad = document($name, "$dir/$name-contradicted.json");
    pointer_edit($bad, $_->{pointer}, $_->{value}, $_->{delete})
        for @contra;
    open(my $fh, '>', "$dir/$name-contradicted.json") or die "$!\n";
    print $fh $json->encode($bad);
    close $fh;
    start_prism("$dir/$name-contradicted.json",
                "$dir/prism-$name-contradicted.log");
    for my $c (@contra) {
        my $r = $sent{ $c->{request} }
            or fail("$name: contradiction names a request: $c->{request}"),
               next;
        # the server's answer, forwarded, with what prism found in it
        my $res = send_request($r);
        ok($res->{status} == $r->{status} && violations($res) ne '',
           "$name: contradicted document ($c->{why}): prism reports"
           . " $r->{name}") or diag("$res->{status} $res->{content}");
    }
    stop_prism();
}

# nginx's error log: the database phases log errors, nothing worse
my @bad = grep { /\[(alert|crit|emerg)\]/ } do {
    open(my $fh, '<', "$dir/nginx/error.log") or ();
    <$fh>;
};
ok(!@bad, 'error.log has no alert, crit or emerg') or diag(@bad);

done_testing();
