#!/usr/bin/perl
# The documents and the reference page as nginx serves them with the
# shipped configuration (nginx-module/conf/openapi.conf, as `make run`):
#
#   - /openapi/<api>.yaml is the document, as application/yaml;
#   - /docs/ and every file it loads come from this server, with the right
#     MIME types and a Content-Security-Policy that allows nothing else;
#   - in headless chromium (playwright-core, tests/openapi/browser.mjs) the
#     page shows every API of apis.json with exactly its document's
#     operations, makes no request outside the server, breaks no CSP rule
#     and logs no error; a screenshot of each API's page is saved in
#     $PGTICKET_RUNDIR/artifacts/ (.run/test/artifacts/ under make test).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use HTTP::Tiny;
use JSON::PP;
use Test::More;
use PgTicketTest qw(test_dir port);
use PgTicketOpenApi;

node_tools_ok();
my $chromium = $ENV{CHROMIUM} || '/usr/bin/chromium';
-x $chromium or BAIL_OUT("$chromium is missing: run tests/stack.sh deps");

my $dir = test_dir();
my $port = port();
my $base = "http://127.0.0.1:$port";
my $top = top();
my $artifacts = "$ENV{PGTICKET_RUNDIR}/artifacts";
mkdir $artifacts;
my $ua = HTTP::Tiny->new(timeout => 20, keep_alive => 0, max_redirect => 0);

END {
    my $status = $?;
    shipped_nginx_stop($dir);
    $? = $status;
}

sub slurp {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or die "$file: $!\n";
    local $/;
    return scalar <$fh>;
}

shipped_nginx_start($dir, $port);

# ------------------------------------------------------------ the files

my @apis;
for my $name (documents()) {
    my $r = $ua->get("$base/openapi/$name.yaml");
    is_deeply([ $r->{status}, $r->{headers}{'content-type'} ],
              [ 200, 'application/yaml; charset=utf-8' ],
              "/openapi/$name.yaml: 200, application/yaml");
    ok($r->{content} eq slurp(document_file($name)),
       "/openapi/$name.yaml is nginx-module/openapi/$name.yaml");
    my $doc = document($name, "$dir/$name.json");
    push @apis, { name => $name, title => $doc->{info}{title},
                  operations => [ sort map { "$_->{method} $_->{path}" }
                                  operations($doc) ] };
}

my $csp;
{
    my $r = $ua->get("$base/docs");
    is_deeply([ $r->{status}, $r->{headers}{location} ],
              [ 301, "$base/docs/" ], '/docs redirects to /docs/');

    $r = $ua->get("$base/docs/");
    is($r->{status}, 200, '/docs/: 200');
    is($r->{headers}{'content-type'}, 'text/html; charset=utf-8',
       '/docs/: text/html');
    $csp = $r->{headers}{'content-security-policy'} // '';
    my %policy = map { my ($d, @v) = split ' '; ($d => "@v") }
        split /\s*;\s*/, $csp;
    is($policy{'default-src'}, "'none'", "CSP: default-src 'none'");
    for my $d (qw(script-src style-src img-src font-src connect-src)) {
        unlike($policy{$d} // "'self'", qr{https?:|\*|//|unsafe},
               "CSP: $d allows only this server");
    }
    is($r->{headers}{'x-content-type-options'}, 'nosniff', '/docs/: nosniff');

    # every file the page names is here, with its MIME type
    my @files = $r->{content} =~ /(?:src|href)="([^"]+)"/g;
    ok(@files >= 4, '/docs/ loads its scripts and styles');
    is_deeply([ grep { m{^[a-z]+:|^//|^/} } @files ], [],
              '/docs/ names no file of another server');
    my %type = (js => 'application/javascript; charset=utf-8',
                css => 'text/css; charset=utf-8', png => 'image/png');
    for my $f (@files, 'apis.json') {
        my ($ext) = $f =~ /\.(\w+)$/;
        my $want = $type{$ext} // 'application/json; charset=utf-8';
        my $fr = $ua->get("$base/docs/$f");
        is_deeply([ $fr->{status}, $fr->{headers}{'content-type'} ],
                  [ 200, $want ], "/docs/$f: 200, $want");
    }

    my $list = JSON::PP->new->decode($ua->get("$base/docs/apis.json")
                                     ->{content} // 'null') // [];
    is_deeply([ sort map { $_->{url} } @$list ],
              [ sort map { "../openapi/$_->{name}.yaml" } @apis ],
              'apis.json lists every document');
    is_deeply([ map { $_->{name} } @$list ],
              [ sort map { $_->{title} } @apis ],
              'apis.json names them by title, in order');
}

# ------------------------------------------------------------- the page

my $expected = "$dir/browser-expected.json";
open(my $fh, '>', $expected) or die "$expected: $!\n";
print $fh JSON::PP->new->encode(\@apis);
close $fh;

my $out = `timeout 180 node '$top/tests/openapi/browser.mjs' '$base' '$expected' '$artifacts' 2>'$dir/browser.log'`;
my $seen = eval { JSON::PP->new->decode($out) };
ok($seen, 'chromium opened /docs/') or diag(`tail -30 '$dir/browser.log'`);
$seen //= { apis => [], requests => [], violations => [], console => [] };

my %shown = map { $_->{title} => $_ } @{ $seen->{apis} };
for my $api (@apis) {
    my $page = $shown{ $api->{title} } // { operations => [] };
    is_deeply([ sort @{ $page->{operations} } ], $api->{operations},
              "/docs/ shows every operation of $api->{name}.yaml"
              . ' (' . scalar(@{ $api->{operations} }) . ')');
    is_deeply($page->{errors} // [], [],
              "/docs/ shows no error for $api->{name}.yaml");
    my $png = $page->{screenshot} // '';
    ok(-s $png && substr(slurp($png), 0, 8) eq "\x89PNG\r\n\x1a\n",
       "screenshot of $api->{name}: $png");
}
my @requests = @{ $seen->{requests} };
ok(grep({ m{/openapi/\w+\.yaml$} } @requests), 'the page loaded documents');
is_deeply([ grep { !m{^\Q$base\E/} && !/^data:/ } @requests ], [],
          'the page made no request outside the server ('
          . scalar(@requests) . ' requests)');
is_deeply($seen->{violations}, [], 'no Content-Security-Policy violation');
is_deeply($seen->{console}, [], 'no error or warning in the console');

my @log = grep { /\[(error|alert|crit|emerg)\]/ } do {
    open(my $log, '<', "$dir/nginx/error.log") or ();
    <$log>;
};
ok(!@log, 'error.log has no errors') or diag(@log);

done_testing();
