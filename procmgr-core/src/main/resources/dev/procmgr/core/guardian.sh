# procmgr guardian (see Guardian.java). POSIX sh, written for dash: small, and it forks
# nothing while the host lives. $1: grace period between TERM and KILL, in milliseconds.
#
# stdin is the control pipe from the host JVM, one command a line:
#   +G <pgid> [<start>]  watch the process group led by <pgid>
#   +P <pid> [<start>]   watch the single process <pid> (and, at the end, its descendants)
#   - <pid>              released: forget it, never signal it again
#   exit                 clean close: forget everything, exit, kill nothing
# <start> is field 22 of /proc/<pid>/stat; without it the guardian reads it itself.
# End of file without "exit" means the host died: TERM to everything still watched (and to
# descendants that left their group), wait up to the grace period, KILL what is left, exit.
# On Linux a pid or group is signalled only while /proc shows the process registered
# (same start time), never one whose number was reused.

trap '' INT HUP
grace=${1:-2000}
case $grace in ''|*[!0-9]*) grace=2000 ;; esac
me=$$
linux=0
[ -r /proc/self/stat ] && linux=1

isnum() {
    case $1 in ''|*[!0-9]*) return 1 ;; esac
    [ "$1" -gt 1 ]
}

# pstat <pid>: S_state S_ppid S_pgrp S_start of a live or zombie process; false when none
pstat() {
    S_start=
    { read -r S_line < "/proc/$1/stat"; } 2>/dev/null || return 1
    set -- ${S_line##*) }
    S_state=$1 S_ppid=$2 S_pgrp=$3 S_start=${20}
    [ -n "$S_start" ]
}

# The table is one shell variable per entry, g_<pgid> or p_<pid> holding the start time: dash
# keeps variables in a hash table, so add and drop cost the same for 5 or 5,000 entries (lists
# in strings made every command cost the table's length). reap lists them, once.
drop() {
    unset "g_$1" "p_$1"
}

# add G|P <pid> [<start>]
add() {
    drop "$2"
    st=$3
    case $st in ''|*[!0-9]*) st=- ; [ $linux = 1 ] && pstat "$2" && st=$S_start ;; esac
    if [ "$1" = G ]; then eval "g_$2=\$st"; else eval "p_$2=\$st"; fi
}

# table: groups and pids as space-separated lists, from the variables (forks: the host is gone)
table() {
    groups=' '
    pids=' '
    T_all=$(set)
    T_ifs=$IFS
    IFS='
'
    for T_line in $T_all; do
        case $T_line in
        g_[0-9]*=*) T_n=${T_line%%=*}; groups="$groups${T_n#g_} " ;;
        p_[0-9]*=*) T_n=${T_line%%=*}; pids="$pids${T_n#p_} " ;;
        esac
    done
    IFS=$T_ifs
}

# grp_ok <pgid> <start>: signalling -<pgid> reaches the group that was registered. While the
# leader lives it must be the registered process; once it is gone, the number stays reserved
# for as long as any member of its group lives, so what is left is the registered group.
grp_ok() {
    [ $linux = 1 ] || return 0
    if pstat "$1"; then [ "$S_start" = "$2" ]; else return 0; fi
}

# pid_ok <pid> <start>: the live (not zombie) process with this pid is the registered one
pid_ok() {
    [ $linux = 1 ] || return 0
    pstat "$1" && [ "$S_start" = "$2" ] && [ "$S_state" != Z ]
}

# The walk in awk: dash's read takes one byte per system call, so on a host with thousands of
# processes the sh walk below takes seconds; cat and awk read every /proc/PID/stat in C and awk
# runs the same rules to a fixed point. Prints shell assignments for the caller to eval. Used
# only after the host died (forks are fine then); the sh walk remains where there is no awk.
WALK='
function add(list, v) { return list v " " }
BEGIN {
    n = split(kg, a, " "); for (i = 1; i <= n; i++) K[a[i]] = 1
    n = split(ip, a, " "); for (i = 1; i <= n; i++) IP[a[i]] = 1
    n = split(all, a, " "); for (i = 1; i <= n; i++) ALL[a[i]] = 1
    n = split(starts, a, " "); for (i = 1; i <= n; i++) { split(a[i], b, ":"); ST[b[1]] = b[2] }
}
{
    s = $0; p = 0
    while ((q = index(substr(s, p + 1), ")")) > 0) p += q
    if (p == 0) next
    m = split(substr(s, p + 2), f, " ")
    if (m < 20) next
    R++; PID[R] = $1 + 0; STATE[R] = f[1]; PP[R] = f[2]; PG[R] = f[3]; S[R] = f[20]
}
END {
    changed = 0
    for (round = 0; round < 8; round++) {
        grew = 0; alive = 0
        for (r = 1; r <= R; r++) {
            x = PID[r]
            if (STATE[r] == "Z" || STATE[r] == "X" || STATE[r] == "x" || x == me) continue
            in_ = (PG[r] in K) || ((x in IP) && ST[x] == S[r])
            if (!in_ && (PP[r] in ALL)) {
                in_ = 1; grew = 1
                if (PG[r] == x) { K[x] = 1; kg = add(kg, x); print "k_" x "=" S[r] }
                else { IP[x] = 1; ST[x] = S[r]; ip = add(ip, x); print "x_" x "=" S[r] }
            }
            if (!in_) continue
            alive++
            if (!(x in ALL)) { ALL[x] = 1; all = add(all, x); grew = 1 }
        }
        if (!grew) break
        changed = 1
    }
    print "kg=\047" kg "\047 ip=\047" ip "\047 all=\047" all "\047 changed=" changed " alive=" alive
}'
have_awk=0
command -v awk > /dev/null 2>&1 && have_awk=1

# One walk over /proc: count live members of the target set (alive), and add descendants of
# members that left their group (a daemon calling setsid): their group if they lead one,
# else their pid. Sets changed=1 when the set grew.
pass() {
    if [ $have_awk = 1 ]; then
        starts=
        for p in $ip; do eval "starts=\"\$starts \$p:\$x_$p\""; done
        # cat goes on past a process that vanished meanwhile (mawk would stop at it)
        if out=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v me="$me" -v kg="$kg" -v ip="$ip" -v all="$all" \
                -v starts="$starts" "$WALK") && [ -n "$out" ]; then
            eval "$out"
            return
        fi
    fi
    changed=0
    alive=0
    for f in /proc/[0-9]*/stat; do
        { read -r S_line < "$f"; } 2>/dev/null || continue
        n=${S_line%% *}
        set -- ${S_line##*) }
        case $1 in Z|X|x) continue ;; esac
        [ "$n" = "$me" ] && continue
        in=0
        case $kg in *" $3 "*) in=1 ;; esac
        if [ $in = 0 ]; then
            case $ip in *" $n "*) eval "[ \"\$x_$n\" = \"\${20}\" ]" && in=1 ;; esac
        fi
        if [ $in = 0 ]; then
            case $all in
            *" $2 "*)
                in=1
                if [ "$3" = "$n" ]; then
                    kg="$kg$n "
                    eval "k_$n=\${20}"
                else
                    ip="$ip$n "
                    eval "x_$n=\${20}"
                fi
                changed=1 ;;
            esac
        fi
        [ $in = 1 ] || continue
        alive=$((alive + 1))
        case $all in *" $n "*) ;; *) all="$all$n " ; changed=1 ;; esac
    done
}

# signal STOP|TERM|CONT|KILL to every target still verified
signal() {
    for g in $kg; do
        eval "st=\$k_$g"
        grp_ok "$g" "$st" && kill -"$1" -"$g" 2>/dev/null
    done
    for p in $ip; do
        eval "st=\$x_$p"
        pid_ok "$p" "$st" && kill -"$1" "$p" 2>/dev/null
    done
}

anyalive() {
    for g in $kg; do kill -0 -"$g" 2>/dev/null && return 0; done
    for p in $ip; do kill -0 "$p" 2>/dev/null && return 0; done
    return 1
}

frac=1
nap() {
    if [ $frac = 1 ] && sleep 0.1 < /dev/null > /dev/null 2>&1; then
        waited=$((waited + 100))
    else
        frac=0
        sleep 1 < /dev/null > /dev/null 2>&1
        waited=$((waited + 1000))
    fi
}

# clock: U_cs = centiseconds since boot from /proc/uptime (a builtin read, no fork); false
# where there is none, and the grace period is then counted in naps
clock() {
    { read -r U_up U_rest < /proc/uptime; } 2>/dev/null || return 1
    case $U_up in *.??) ;; *) return 1 ;; esac
    U_cs=$(( ${U_up%.*} * 100 + 1${U_up#*.} - 100 ))
}

expired() {
    if [ $clocked = 1 ] && clock; then
        [ "$U_cs" -ge "$deadline" ]
    else
        [ "$waited" -ge "$grace" ]
    fi
}

# The host is gone.
reap() {
    table
    kg=' '
    ip=' '
    all=' '
    for g in $groups; do
        eval "st=\$g_$g"
        grp_ok "$g" "$st" || continue
        kg="$kg$g "
        eval "k_$g=\$st"
        # launched an instant ago, setsid not yet called: the group does not exist yet
        if [ -n "$S_start" ] && [ "$S_pgrp" != "$g" ]; then
            ip="$ip$g "
            eval "x_$g=\$st"
        fi
    done
    for p in $pids; do
        eval "st=\$p_$p"
        [ $linux = 1 ] && [ "$st" = - ] && continue
        ip="$ip$p "
        eval "x_$p=\$st"
    done
    [ "$kg$ip" = '  ' ] && exit 0
    # freeze what was registered at once, so that nothing forks, exits or leaves while the
    # walks over /proc (slow in sh on a busy machine) find descendants that left their group
    # through their parents; then TERM everything and let it run to handle it
    signal STOP
    if [ $linux = 1 ]; then
        i=0
        while [ $i -lt 3 ]; do
            pass
            [ $changed = 0 ] && break
            signal STOP
            i=$((i + 1))
        done
    fi
    signal TERM
    signal CONT
    waited=0
    clocked=0
    if clock; then
        clocked=1
        deadline=$((U_cs + (grace + 9) / 10))
    fi
    naps=0
    while ! expired; do
        nap
        naps=$((naps + 1))
        # kill -0 is cheap but counts zombies (a reparented child that init has not reaped
        # yet): now and then a walk over /proc tells the living from the dead
        anyalive || exit 0
        if [ $linux = 1 ] && [ $((naps % 5)) = 0 ]; then
            pass
            [ $alive = 0 ] && exit 0
        fi
    done
    # freeze, look once more for what forked meanwhile (while parents still live), KILL
    signal STOP
    if [ $linux = 1 ]; then
        pass
    fi
    signal KILL
    exit 0
}

while read -r c a b; do
    case $c in
    +G|+P) isnum "$a" && add "${c#+}" "$a" "$b" ;;
    -) isnum "$a" && drop "$a" ;;
    exit) exit 0 ;;
    esac
done
reap
