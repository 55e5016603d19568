package PgTicketFault;

# Helpers for the fault tests (tests/t/02*.t), beside PgTicketTest:
#
#   my $s = psql_session('name');   a psql that stays connected, as the
#   $s->run($sql);                  cluster owner, application_name 'name':
#   $s->wait_idle_in_transaction;   e.g. to hold a row lock while requests
#   $s->close;                      run into it
#
#   my $l = listener('hang');       a loopback TCP listener in a child
#   my $l = listener('forward', $unix_socket_path);  process: 'hang'
#   $l->port; $l->accepted;         accepts and never answers, 'forward'
#   $l->forward;                    relays each connection to a unix socket
#   $l->stop;                       ($l->forward: from now on)
#
#   worker_pids()   pids of the test nginx's worker processes
#   rss_kb($pid)    resident memory of a process, in kB
#
#   send_async($method, $path, $headers, $body)  starts a request on a
#   collect(@handles)                  socket of its own; collect waits
#                                      for every answer, each with {time}
#
# Only Perl core modules are used.

use strict;
use warnings;

use Exporter qw(import);
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use POSIX ();
use Time::HiRes qw(time sleep);
use PgTicketTest;

our @EXPORT = qw(psql_session listener worker_pids rss_kb send_async
                 collect);

my $stack = abs_path(dirname(__FILE__) . '/../stack.sh');

sub psql_session {
    my ($app) = @_;
    my ($rundir, $pgport, $db) = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT
                                         PGTICKET_DB)};
    open(my $fh, '|-', $stack, 'as-owner', 'psql', '-X', '-q',
         '-o', '/dev/null', '-v', 'ON_ERROR_STOP=1',
         '-d', "host=$rundir port=$pgport dbname=$db user=postgres "
               . "application_name=$app")
        or die "psql: $!\n";
    $fh->autoflush(1);
    return bless { fh => $fh, app => $app }, 'PgTicketFault::Session';
}

sub PgTicketFault::Session::run {
    my ($self, $sql) = @_;
    print { $self->{fh} } "$sql\n";
}

sub PgTicketFault::Session::wait_idle_in_transaction {
    my ($self) = @_;
    return wait_until(10, sub {
        my ($row) = psql("select count(*) from pg_stat_activity where "
                         . "application_name = '$self->{app}' "
                         . "and state = 'idle in transaction'");
        $row->[0] == 1;
    });
}

sub PgTicketFault::Session::close {
    my ($self) = @_;
    return unless $self->{fh};
    close $self->{fh};
    delete $self->{fh};
}

sub listener {
    my ($mode, $target) = @_;
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                    Listen => 128, ReuseAddr => 1)
        or die "listen: $!\n";
    my $port = $srv->sockport;
    my $log = test_dir() . "/listener.$port.log";
    unlink $log;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        serve($srv, $mode, $target, $log);
        POSIX::_exit(0);
    }
    close $srv;
    return bless { pid => $pid, port => $port, log => $log },
                 'PgTicketFault::Listener';
}

# the child: 'hang' keeps every connection open and silent; 'forward'
# relays bytes both ways between each connection and the unix socket
sub serve {
    my ($srv, $mode, $target, $log) = @_;
    my $sel = IO::Select->new($srv);
    my (%peer, @held);
    local $SIG{USR1} = sub { $mode = 'forward' };
    open(my $lfh, '>>', $log) or POSIX::_exit(1);
    $lfh->autoflush(1);
    for (;;) {
        for my $fh ($sel->can_read(1)) {
            if ($fh == $srv) {
                my $c = $srv->accept or next;
                printf $lfh "%.3f\n", time;
                if ($mode eq 'hang') {
                    push @held, $c;
                    next;
                }
                my $u = IO::Socket::UNIX->new(Peer => $target) or next;
                $peer{fileno $c} = $u;
                $peer{fileno $u} = $c;
                $sel->add($c, $u);
                next;
            }
            my $other = $peer{fileno $fh};
            my $n = sysread($fh, my $buf, 65536);
            if (!$n) {
                $sel->remove($fh, $other);
                delete @peer{fileno $fh, fileno $other};
                close $fh;
                close $other;
                next;
            }
            my $off = 0;
            while ($off < $n) {
                my $w = syswrite($other, $buf, $n - $off, $off);
                last unless defined $w;
                $off += $w;
            }
        }
    }
}

sub PgTicketFault::Listener::port { $_[0]{port} }

# a 'hang' listener with a target relays the connections accepted from now
sub PgTicketFault::Listener::forward { kill 'USR1', $_[0]{pid} }

# the times connections were accepted at
sub PgTicketFault::Listener::accepted {
    my ($self) = @_;
    open(my $fh, '<', $self->{log}) or return ();
    return map { chomp; $_ } <$fh>;
}

sub PgTicketFault::Listener::stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'KILL', $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

sub PgTicketFault::Listener::DESTROY { $_[0]->stop }

sub worker_pids {
    open(my $fh, '<', test_dir() . '/nginx.pid') or return ();
    my $master = <$fh>;
    chomp $master;
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open(my $s, '<', $stat) or next;
        my $line = <$s> // next;
        # pid (comm) state ppid ...
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        push @pids, $pid if $ppid == $master;
    }
    return sort { $a <=> $b } @pids;
}

sub rss_kb {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/status") or return;
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+)/;
    }
    return;
}

sub send_async {
    my ($method, $path, $headers, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port(),
                                  Timeout => 10)
        or die "connect: $!\n";
    my $req = "$method $path HTTP/1.0\r\nHost: localhost\r\n";
    $body //= '';
    $headers //= {};
    $req .= "$_: $headers->{$_}\r\n" for sort keys %$headers;
    $req .= "Content-Length: " . length($body) . "\r\n" if length $body;
    print $s "$req\r\n$body";
    $s->blocking(0);
    return { sock => $s, start => time, out => '' };
}

sub collect {
    my (@h) = @_;
    my $sel = IO::Select->new(map { $_->{sock} } @h);
    my %by = map { (fileno($_->{sock}) => $_) } @h;
    my $deadline = time + 60;
    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(1)) {
            my $h = $by{fileno $s};
            my $n = sysread($s, my $buf, 65536);
            if ($n) {
                $h->{out} .= $buf;
                next;
            }
            $h->{time} = time - $h->{start};
            $sel->remove($s);
            close $s;
        }
    }
    return map {
        my $r = PgTicketTest::parse_response($_->{out});
        $r->{time} = $_->{time} // 999;
        $r;
    } @h;
}

1;
