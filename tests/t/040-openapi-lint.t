#!/usr/bin/perl
# Every OpenAPI document (nginx-module/openapi/*.yaml) passes redocly lint
# with the project's rules (tests/openapi/redocly.yaml): no error and no
# warning.  Examples
# are checked against their schemas there, so a document cannot show an
# answer its own schema refuses.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use PgTicketOpenApi;

node_tools_ok();
my $tools = tools_dir();
my @docs = documents();
ok(@docs, 'nginx-module/openapi/ has documents') or BAIL_OUT('no document');

$ENV{REDOCLY_TELEMETRY} = 'off';
for my $name (@docs) {
    my $out = `cd '$tools' && '${\ tool('redocly')}' lint --config redocly.yaml --format=json '${\ document_file($name)}' 2>/dev/null`;
    my $rc = $?;
    my $report = eval { JSON::PP->new->decode($out) } // {};
    my $totals = $report->{totals} // {};
    ok($rc == 0 && defined $totals->{errors} && $totals->{errors} == 0
       && $totals->{warnings} == 0,
       "redocly lint openapi/$name.yaml: no error, no warning")
        or diag(join "\n", map {
            "$_->{severity} $_->{ruleId}: $_->{message} at "
            . ($_->{location}[0]{pointer} // '?')
        } @{ $report->{problems} // [] }), diag($out);
}

# the lint configuration itself is valid: a misspelt rule is not silently
# ignored
{
    my $err = `cd '$tools' && '${\ tool('redocly')}' lint --config redocly.yaml --format=json '${\ document_file($docs[0])}' 2>&1 >/dev/null`;
    unlike($err, qr/is not expected here|Unknown|Invalid/,
           'tests/openapi/redocly.yaml: every rule is known');
}

done_testing();
