#!/usr/bin/perl
# The documents and the routes agree.  For every API, the route file the
# shipped configuration includes (nginx-module/conf/api-<api>.conf) and the
# document (nginx-module/openapi/<api>.yaml) exist together, and:
#
#   - every pgticket_route (each method of it) is a documented operation,
#     and every documented operation is a route (a GET route also answers
#     HEAD, so a documented HEAD needs a GET route);
#   - the operation names the route's SQL function in x-pgticket-function;
#   - the request headers the operation documents (header parameters, the
#     headers its security schemes read, and Content-Type when it has a
#     request body: OpenAPI documents that one as the body's media types)
#     are exactly those the route passes to SQL (headers=), so none is
#     documented but never read;
#   - the document is OpenAPI 3.1 and operationIds are unique.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest qw(test_dir);
use PgTicketOpenApi;

node_tools_ok();
my $dir = test_dir();

my %docs = map { $_ => 1 } documents();
my %confs = map { $_ => 1 } route_files();
ok(%confs, 'nginx-module/conf/ has route files');
for my $name (sort keys %confs) {
    ok($docs{$name}, "api-$name.conf has a document, openapi/$name.yaml");
}
for my $name (sort keys %docs) {
    ok($confs{$name}, "openapi/$name.yaml has routes,"
                      . " nginx-module/conf/api-$name.conf");
}

# the request headers an operation documents, lower-cased.  A route may
# pass Content-Type only to an operation with a request body (its media
# types are what OpenAPI documents of Content-Type); passing it is not
# required, since the module tells the body's format apart by itself.
sub documented_headers {
    my ($doc, $o, $route_headers) = @_;
    my %h;
    $h{'content-type'} = 1
        if $o->{op}{requestBody}
           && grep { $_ eq 'content-type' } @$route_headers;
    for my $p (@{ $o->{item}{parameters} // [] },
               @{ $o->{op}{parameters} // [] }) {
        $h{lc $p->{name}} = 1 if ($p->{in} // '') eq 'header';
    }
    my $schemes = $doc->{components}{securitySchemes} // {};
    for my $req (@{ $o->{op}{security} // $doc->{security} // [] }) {
        for my $s (keys %$req) {
            my $scheme = $schemes->{$s} // next;
            if ($scheme->{type} eq 'http') {
                $h{authorization} = 1;
            } elsif ($scheme->{type} eq 'apiKey'
                     && $scheme->{in} eq 'header') {
                $h{lc $scheme->{name}} = 1;
            }
        }
    }
    return join ',', sort keys %h;
}

for my $name (sort grep { $confs{$_} } keys %docs) {
    my $doc = document($name, "$dir/$name.json");
    like($doc->{openapi} // '', qr/^3\.1\.\d+$/, "$name.yaml is OpenAPI 3.1");

    my @ops = operations($doc);
    my %ops = map { ("$_->{method} $_->{path}" => $_) } @ops;
    my %ids;
    $ids{ $_->{op}{operationId} // '' }++ for @ops;
    is_deeply([ grep { $ids{$_} > 1 || $_ eq '' } sort keys %ids ], [],
              "$name.yaml: every operation has an operationId of its own");

    my (%routed, @undocumented, @bad_function, @bad_headers);
    for my $r (routes($name)) {
        for my $m (@{ $r->{methods} }) {
            my $key = "$m $r->{path}";
            $routed{$key} = $r;
            $routed{"HEAD $r->{path}"} //= $r if $m eq 'GET';
            my $o = $ops{$key};
            if (!$o) {
                push @undocumented, $key;
                next;
            }
            my $fn = $o->{op}{'x-pgticket-function'} // '(none)';
            push @bad_function, "$key: route $r->{function}, document $fn"
                unless $fn eq $r->{function};
            my $doc_h = documented_headers($doc, $o, $r->{headers});
            my $route_h = join ',', sort @{ $r->{headers} };
            push @bad_headers, "$key: route headers=$route_h,"
                               . " document $doc_h"
                unless $doc_h eq $route_h;
        }
    }
    my @unrouted = grep { !$routed{$_} } sort keys %ops;
    ok(%routed, "api-$name.conf has routes");
    is_deeply(\@undocumented, [],
              "$name: every route of api-$name.conf is documented");
    is_deeply(\@unrouted, [],
              "$name: every documented operation is a route of api-$name.conf");
    is_deeply(\@bad_function, [],
              "$name: x-pgticket-function is the route's SQL function");
    is_deeply(\@bad_headers, [],
              "$name: documented request headers are the ones routes pass");
}

done_testing();
