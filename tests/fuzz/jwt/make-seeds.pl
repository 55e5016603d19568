#!/usr/bin/perl
# Write the seeds of tests/fuzz/jwt_fuzz.c into tests/fuzz/jwt/seeds: the
# tokens of the HTTP tests' corpus (030) in the harness's four modes (the
# first byte).  Run it again after changing the list; the files are kept
# in git so that a fuzzing run starts from them.
use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use FindBin;
use MIME::Base64 qw(encode_base64url);

my $secret = 'pgticket-demo-secret';
my $dir = "$FindBin::Bin/seeds";
mkdir $dir;
unlink glob("$dir/*");

sub b64 { encode_base64url($_[0]) }
sub signed {
    my ($h, $p, $key) = @_;
    my $in = b64($h) . '.' . b64($p);
    return "$in." . b64(hmac_sha256($in, $key // $secret));
}
my %seed;
my $i = 0;
sub seed { $seed{sprintf('%02d-%s', $i++, $_[0])} = $_[1] }

my $hs = '{"alg":"HS256","typ":"JWT"}';
# 0: tokens as they come
seed('valid', "\x00" . signed($hs, '{"sub":"24218"}'));
seed('valid-exp', "\x00" . signed($hs, '{"sub":"24218","exp":2000000000,"nbf":0}'));
seed('expired', "\x00" . signed($hs, '{"sub":"24218","exp":1000000000}'));
seed('alg-none', "\x00" . b64('{"alg":"none"}') . '.' . b64('{"sub":"1"}') . '.');
seed('wrong-key', "\x00" . signed($hs, '{"sub":"24218"}', 'other'));
seed('truncated', "\x00" . substr(signed($hs, '{"sub":"1"}'), 0, -1));
seed('two-parts', "\x00" . b64($hs) . '.' . b64('{}'));
seed('garbage', "\x00..");
# 1: header.payload, signed by the harness
seed('sign-text', "\x01" . b64($hs) . '.' . b64('{"sub":"24218","exp":1e10}'));
# 2: JSON, encoded and signed by the harness
seed('json', "\x02$hs\x00" . '{"sub":"24218","scope":"tickets","exp":2000000000}');
seed('json-dup-alg', "\x02" . '{"alg":"HS256","alg":"none"}' . "\x00{}");
seed('json-escaped-alg', "\x02" . '{"\u0061lg":"HS256"}' . "\x00" . '{"a":[1,{"b":null}]}');
seed('json-crit', "\x02" . '{"alg":"HS256","crit":["exp"]}' . "\x00{}");
seed('json-times', "\x02$hs\x00" . '{"exp":253402300799,"nbf":-0,"iat":1e-400}');
seed('json-bad-time', "\x02$hs\x00" . '{"exp":"tomorrow","nbf":-1e-400}');
seed('json-big-number', "\x02$hs\x00" . '{"n":1e1001}');
seed('json-nested', "\x02$hs\x00" . ('[' x 50) . (']' x 50));
seed('json-unicode', "\x02$hs\x00" . '{"s":"\ud83d\ude00 \u00e9"}');
# 3: JSON with the signature of something else
seed('json-wrong-sig', "\x03$hs\x00" . '{"sub":"24218"}');

for my $name (sort keys %seed) {
    open(my $fh, '>:raw', "$dir/$name") or die "$dir/$name: $!\n";
    print $fh $seed{$name};
    close $fh;
}
print scalar(keys %seed), " seeds in $dir\n";
