package PgTicketOpenApi;

# What the OpenAPI tests (tests/t/04*-openapi-*.t) share: the documents
# (nginx-module/openapi/<api>.yaml, read through redocly as dereferenced
# JSON), the
# routes of the shipped configuration (nginx-module/conf/api-<api>.conf),
# the pinned Node tools (tests/openapi/node_modules, installed by
# tests/stack.sh deps)
# and an nginx started from the shipped nginx-module/pgticket.conf.in.
#
# Everything is driven by the files: an API is covered once it has a
# document, a route file of the same name and a list of contract requests
# (tests/openapi/<api>.json).

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname basename);
use JSON::PP;
use Test::More;

our @EXPORT = qw(top documents document_file tools_dir route_files document
                 operations routes
                 tool node_tools_ok match_operation shipped_nginx_start
                 shipped_nginx_stop shipped_nginx_conf);

my $top = abs_path(dirname(__FILE__) . '/../..');
my $openapi = "$top/nginx-module/openapi";   # the documents
my $tools = "$top/tests/openapi";            # package.json, redocly.yaml
my $stack = "$top/tests/stack.sh";

sub top { $top }
sub tools_dir { $tools }

# PGTICKET_OPENAPI=a,b limits the tests to those APIs
my %only = map { $_ => 1 } split /,/, $ENV{PGTICKET_OPENAPI} // '';

# the APIs that have a document, by name: nginx-module/openapi/<name>.yaml
sub documents {
    return grep { !%only || $only{$_} }
        map { basename($_, '.yaml') } sort glob("$openapi/*.yaml");
}

# the file of an API's document
sub document_file {
    my ($name) = @_;
    return "$openapi/$name.yaml";
}

# the APIs that have routes: nginx-module/conf/api-<name>.conf
sub route_files {
    return grep { !%only || $only{$_} }
        map { basename($_) =~ /^api-(.+)\.conf$/ ? $1 : () }
        sort glob("$top/nginx-module/conf/api-*.conf");
}

# path of a pinned Node tool, e.g. tool('redocly')
sub tool {
    my ($name) = @_;
    return "$tools/node_modules/.bin/$name";
}

# BAIL_OUT unless `tests/stack.sh deps` installed the Node tools
sub node_tools_ok {
    for my $t (qw(redocly prism)) {
        -x tool($t) or BAIL_OUT(tool($t) . ' is missing: run tests/stack.sh'
                                . ' deps (npm ci in tests/openapi/)');
    }
}

# The document of an API as a Perl structure, $refs and YAML anchors
# resolved (redocly bundle --dereferenced), written to $out as JSON too.
sub document {
    my ($name, $out) = @_;
    local $ENV{REDOCLY_TELEMETRY} = 'off';
    my $err = `'${\ tool('redocly')}' bundle --dereferenced --ext json -o '$out' '${\ document_file($name)}' 2>&1`;
    $? == 0 && -s $out or die "redocly bundle $name.yaml failed:\n$err";
    open(my $fh, '<', $out) or die "$out: $!\n";
    my $json = do { local $/; <$fh> };
    close $fh;
    return JSON::PP->new->utf8->decode($json);
}

my @http_methods = qw(get put post delete options head patch trace);

# every operation of a document: { method (upper case), path, op }
sub operations {
    my ($doc) = @_;
    my @ops;
    for my $path (sort keys %{ $doc->{paths} // {} }) {
        my $item = $doc->{paths}{$path};
        for my $m (@http_methods) {
            next unless ref $item->{$m} eq 'HASH';
            push @ops, { method => uc $m, path => $path, op => $item->{$m},
                         item => $item };
        }
    }
    return @ops;
}

# The operation a request (method, path without query) is for: a literal
# path wins over a templated one, then the one with fewer parameters.
sub match_operation {
    my ($ops, $method, $path) = @_;
    my @hits;
    for my $o (@$ops) {
        next unless $o->{method} eq uc $method;
        my $re = join '', map {
            /^\{[^}]+\}$/ ? '[^/]+' : quotemeta($_)
        } split m{(/)}, $o->{path};
        next unless $path =~ m{^$re/?$};
        my $params = () = $o->{path} =~ /\{/g;
        push @hits, [ $params, $o ];
    }
    @hits = sort { $a->[0] <=> $b->[0] } @hits;
    return @hits ? $hits[0][1] : undef;
}

# nginx configuration text as tokens: words (quotes removed) and ; { }
sub conf_tokens {
    my ($text) = @_;
    my @tokens;
    pos($text) = 0;
    while (pos($text) < length $text) {
        if ($text =~ /\G\s+/gc || $text =~ /\G#[^\n]*/gc) {
            next;
        } elsif ($text =~ /\G"((?:[^"\\]|\\.)*)"/gcs
                 || $text =~ /\G'((?:[^'\\]|\\.)*)'/gcs) {
            push @tokens, $1;
        } elsif ($text =~ /\G([;{}])/gc) {
            push @tokens, "\0$1";
        } elsif ($text =~ /\G([^\s;{}"'#]+)/gc) {
            push @tokens, $1;
        } else {
            die 'cannot read the configuration at: '
                . substr($text, pos($text), 40) . "\n";
        }
    }
    return @tokens;
}

# Every pgticket_route of a route file (comments left out):
# { methods => [...], path, function, headers => [lower-case names] }
sub routes {
    my ($name) = @_;
    my $file = "$top/nginx-module/conf/api-$name.conf";
    open(my $fh, '<', $file) or die "$file: $!\n";
    my $text = do { local $/; <$fh> };
    close $fh;
    my @tokens = conf_tokens($text);
    my (@routes, @stmt);
    for my $t (@tokens) {
        if ($t =~ /^\0/) {
            if (@stmt && $stmt[0] eq 'pgticket_route') {
                my (undef, $methods, $path, $function, @opts) = @stmt;
                my @headers;
                for (@opts) {
                    push @headers, map { lc } split /,/, $1
                        if /^headers=(.*)$/;
                }
                $path =~ s{(.)/$}{$1};
                push @routes, { methods => [ split /\|/, $methods ],
                                path => $path, function => $function,
                                headers => \@headers };
            }
            @stmt = ();
        } else {
            push @stmt, $t;
        }
    }
    return @routes;
}

# nginx as `make run` starts it (nginx-module/pgticket.conf.in and the
# conf/ files, through tests/stack.sh), with its files in $dir/nginx and
# the test cluster as its database.  $conninfo_edit, if given, rewrites the
# pgticket_database line (to make the database unreachable, say);
# $text_edit, if given, the whole nginx.conf.
sub shipped_nginx_conf {
    my ($dir, $port, $conninfo_edit, $text_edit) = @_;
    my @pg = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT PGTICKET_DB)};
    system($stack, 'nginx-conf', $pg[0], $port, $pg[1], $pg[2],
           "$dir/nginx") == 0 or die "stack.sh nginx-conf failed\n";
    return unless $conninfo_edit || $text_edit;
    my $conf = "$dir/nginx/nginx.conf";
    open(my $in, '<', $conf) or die "$conf: $!\n";
    my $text = do { local $/; <$in> };
    close $in;
    if ($conninfo_edit) {
        $text =~ s/^(\s*pgticket_database\s+"[^"]*")/$conninfo_edit->($1)/me
            or die "no pgticket_database in $conf\n";
    }
    $text = $text_edit->($text) if $text_edit;
    open(my $out, '>', $conf) or die "$conf: $!\n";
    print $out $text;
    close $out;
}

sub shipped_nginx_start {
    my ($dir, $port, $conninfo_edit, $text_edit) = @_;
    shipped_nginx_stop($dir);
    shipped_nginx_conf($dir, $port, $conninfo_edit, $text_edit);
    system($stack, 'nginx-start', $dir) == 0
        or BAIL_OUT("nginx did not start: " . `tail -5 $dir/nginx/error.log`);
    system($stack, 'wait-http', "http://127.0.0.1:$port/docs/") == 0
        or BAIL_OUT("nginx does not answer on $port");
}

sub shipped_nginx_stop {
    my ($dir) = @_;
    system($stack, 'nginx-stop', $dir) == 0 or die "nginx-stop failed\n";
    unlink "$dir/nginx/nginx.pid";
}

1;
