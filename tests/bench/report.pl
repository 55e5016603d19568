#!/usr/bin/perl
# make bench: the markdown report of one run directory (runs.tsv, meta,
# profile.tsv), on stdout.  Medians over the rounds, with min-max.
use strict;
use warnings;

my $out = shift or die "usage: report.pl RUNDIR\n";

my %meta;
open my $mf, '<', "$out/meta" or die "$out/meta: $!\n";
while (<$mf>) {
    chomp;
    my ($k, $v) = split /=/, $_, 2;
    $meta{$k} = $v;
}
close $mf;

my (@rows, %by, @order, %seen);
open my $tf, '<', "$out/runs.tsv" or die "$out/runs.tsv: $!\n";
my @head = split /\t/, scalar <$tf>;
chomp @head;
while (<$tf>) {
    chomp;
    my %r;
    @r{@head} = split /\t/, $_, -1;
    push @rows, \%r;
    next if $r{round} eq 'warmup' || $r{round} eq 'soak';
    push @{ $by{"$r{tool}|$r{endpoint}|$r{conns}"} }, \%r;
    push @order, $r{endpoint} unless $seen{ $r{endpoint} }++;
}
close $tf;

sub median {
    my @v = sort { $a <=> $b } grep { defined && $_ ne '' } @_;
    return undef unless @v;
    return $v[$#v / 2] if @v % 2;
    return ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub field { my ($runs, $f) = @_; return map { $_->{$f} } @$runs; }

sub sum { my $s = 0; $s += $_ for grep { defined && $_ ne '' } @_; return $s; }

sub num {
    my $n = shift;
    return '-' unless defined $n;
    $n = sprintf '%.0f', $n;
    1 while $n =~ s/^(\d+)(\d{3})/$1,$2/;
    return $n;
}

sub rate_cell {
    my $runs = shift;
    return '-' unless $runs && @$runs;
    my @r = field($runs, 'rate');
    my $m = median(@r);
    my @s = sort { $a <=> $b } @r;
    return num($m) if @r == 1;
    return sprintf '%s (%s–%s)', num($m), num($s[0]), num($s[-1]);
}

sub ms { my $us = shift; return defined $us ? sprintf('%.1f', $us / 1000) : '-'; }
sub us { my $v = shift; return defined $v ? sprintf('%.0f', $v) : '-'; }

my @conns = split ' ', $meta{conns};
my $pool = $meta{poolsize};

print "# pgticket bench, $meta{date}\n\n";
print "- $meta{scale} tickets generated over ", $meta{scale} / 10,
    " customers ($meta{data}); $meta{tickets_now} tickets at the end\n";
print "- $meta{prewarm}\n" if $meta{prewarm};
print "- $meta{machine}; $meta{postgres}; nginx $meta{nginx}; commit $meta{commit}\n";
print "- nginx: $meta{workers} workers, pgticket_pool max=$meta{pool_max} ",
    "(pool size $pool backends); wrk -t 2; pgbench -M prepared -j 2 as ",
    "pgticket_web over the same Unix socket\n";
print "- $meta{runs} interleaved rounds of $meta{duration} s per ",
    "measurement: medians, (min–max) of the rounds\n";
print "- **Noise**: this machine is shared. \"other CPU\" is the share of ",
    "both cores used by processes outside the bench (nginx, PostgreSQL, ",
    "wrk/pgbench) during the run; figures taken while it is above a few ",
    "percent are noisy.\n\n";

print "## Through nginx, beside pgbench on the same facade\n\n";
print "req/s: wrk through nginx; tps: pgbench at the same concurrency; ",
    "ratio = req/s ÷ tps. p50/p99 of wrk in ms. errors: socket errors ",
    "and timeouts / answers ≥ 400 (wrk) or aborted clients (pgbench). ",
    "µs/req: CPU per request of the nginx workers, of PostgreSQL (every ",
    "process, backends and background), of wrk. backends: connections of ",
    "pgticket_web in the middle of the run, and (clients held by each ",
    "nginx worker).\n\n";
print "| endpoint | conns | req/s | tps | ratio | p50 / p99 ms | errors / non-2xx | nginx µs/req | PG µs/req | wrk µs/req | backends (clients per worker) | other CPU % |\n";
print "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
for my $ep (@order) {
    for my $c (@conns) {
        my $w = $by{"wrk|$ep|$c"};
        my $p = $by{"pgbench|$ep|$c"};
        next unless $w || $p;
        my $mw = $w ? median(field($w, 'rate')) : undef;
        my $mp = $p ? median(field($p, 'rate')) : undef;
        my $ratio = ($mw && $mp) ? sprintf('%.2f', $mw / $mp) : '-';
        my $lat = $w ? ms(median(field($w, 'p50_us'))) . ' / '
            . ms(median(field($w, 'p99_us'))) : '-';
        my $err = sum(map { field($_, 'errors') } grep { $_ } $w, $p) . ' / '
            . sum(map { field($_, 'non2xx') } grep { $_ } $w, $p);
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
            $ep, $c, rate_cell($w), rate_cell($p), $ratio, $lat, $err,
            $w ? sprintf('%.1f', median(field($w, 'nginx_us'))) : '-',
            $w ? sprintf('%.0f', median(field($w, 'pg_us'))) : '-',
            $w ? sprintf('%.1f', median(field($w, 'tool_us'))) : '-',
            $w ? sprintf('%s (%s)', median(field($w, 'backends')) // '-',
                         $w->[-1]{clients} || '-') : '-',
            us(median(map { field($_, 'other_pct') } grep { $_ } $w, $p));
    }
}

print "\n## Inside PostgreSQL: pgbench at the pool's size ($pool connections)\n\n";
print "What each facade costs PostgreSQL alone, beside the one-row lookup ",
    "(`bench.lookup`: `SELECT row_to_json(t) FROM pgticket.ticket t WHERE ",
    "id = ...`, SECURITY DEFINER SQL returning `http_response`, which ",
    "PostgreSQL 15 parses and plans on every call) and the same lookup in ",
    "PL/pgSQL (`bench.lookup_pl`, plan kept by the session). × lookup = ",
    "PG µs/tx of the facade ÷ PG µs/tx of the lookup. nginx req/s at ",
    "$conns[0] connections ÷ this tps is the module's ratio to a pool of ",
    "the same size.\n\n";
print "| endpoint | tps | PG µs/tx | × lookup | × lookup-pl | pgbench µs/tx | nginx req/s ($conns[0] conns) ÷ tps | errors |\n";
print "|---|---|---|---|---|---|---|---|\n";
my $lk = $by{"pgbench|lookup|$pool"};
my $lk_pg = $lk ? median(field($lk, 'pg_us')) : undef;
my $lkp = $by{"pgbench|lookup-pl|$pool"};
my $lkp_pg = $lkp ? median(field($lkp, 'pg_us')) : undef;
for my $ep (@order) {
    my $p = $by{"pgbench|$ep|$pool"} or next;
    my $pg = median(field($p, 'pg_us'));
    my $w = $by{"wrk|$ep|$conns[0]"};
    my $mp = median(field($p, 'rate'));
    printf "| %s | %s | %.0f | %s | %s | %.1f | %s | %s |\n", $ep, rate_cell($p),
        $pg, ($lk_pg ? sprintf('%.2f', $pg / $lk_pg) : '-'),
        ($lkp_pg ? sprintf('%.2f', $pg / $lkp_pg) : '-'),
        median(field($p, 'tool_us')),
        ($w && $mp ? sprintf('%.2f', median(field($w, 'rate')) / $mp) : '-'),
        sum(field($p, 'errors')) . ' / ' . sum(field($p, 'non2xx'));
}

if ($meta{rss}) {
    my ($a, $b) = split ' ', $meta{rss};
    my ($soak) = grep { $_->{round} eq 'soak' } @rows;
    print "\n## nginx workers' memory over a $meta{soak} s run\n\n";
    printf "Every endpoint without a pool in turn (`mix`), 64 connections: "
        . "%s requests, %s req/s, %s errors / %s non-2xx. RSS of the "
        . "workers: %s kB before, %s kB after (%+.1f %%).\n",
        num($soak->{requests}), num($soak->{rate}), $soak->{errors},
        $soak->{non2xx}, num($a), num($b), $a ? 100 * ($b - $a) / $a : 0
        if $soak;
}

if (-s "$out/profile.tsv") {
    print "\n## Where a facade's time goes (pg_stat_statements, track = all)\n\n";
    print "Each facade alone for a few seconds at $pool connections. Per ",
        "call of the facade: how many times each statement ran, its ",
        "execution time in µs (nested statements included in their ",
        "parents'), its share of the facade's; then the functions ",
        "(track_functions = all: total / self µs per facade call). The ",
        "timing itself adds to each figure.\n";
    my %prof;
    open my $pf, '<', "$out/profile.tsv" or die;
    while (<$pf>) {
        chomp;
        my @f = split /\t/;
        push @{ $prof{ $f[0] } }, \@f;
    }
    close $pf;
    for my $ep (@order) {
        my $rows = $prof{$ep} or next;
        print "\n### $ep\n\n| kind | per call | µs | % | what |\n|---|---|---|---|---|\n";
        for my $f (@$rows) {
            my ($kind, $top, $calls, $us, $pct, $what) =
                @$f[1, 2, 3, 4, 5, 7];
            $what =~ s/\|/\\|/g;
            $what = substr($what, 0, 160) . '…' if length $what > 160;
            if ($kind eq 'function') {
                printf "| function | %s | %s total | %s self | `%s` |\n",
                    $calls, $us, $pct, $what;
            } else {
                printf "| %s | %s | %s | %s | `%s` |\n",
                    ($top eq 't' ? 'top' : 'nested'), $calls, $us, $pct,
                    $what;
            }
        }
    }
}
